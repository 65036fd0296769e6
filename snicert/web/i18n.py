"""Bahasa Indonesia first, English on request (?lang=en, remembered in a cookie)."""

from __future__ import annotations

from fastapi import Request

LANGS = ("id", "en")
TEXT: dict[str, dict[str, str]] = {
    "site": {"id": "Sertifikasi Produk SNI – Kota Kupang",
             "en": "SNI Product Certification – Kota Kupang"},
    "verify_title": {"id": "Periksa sertifikat", "en": "Check a certificate"},
    "directory": {"id": "Direktori produk bersertifikat", "en": "Directory of certified products"},
    "number": {"id": "Nomor sertifikat", "en": "Certificate number"},
    "check": {"id": "Periksa", "en": "Check"},
    "search": {"id": "Cari", "en": "Search"},
    "not_found": {"id": "Sertifikat tidak ditemukan", "en": "Certificate not found"},
    "not_found_help": {"id": "Periksa kembali nomor pada sertifikat atau label.",
                       "en": "Check the number on the certificate or label again."},
    "status": {"id": "Status", "en": "Status"},
    "active": {"id": "BERLAKU", "en": "VALID"},
    "suspended": {"id": "DIBEKUKAN", "en": "SUSPENDED"},
    "withdrawn": {"id": "DICABUT", "en": "WITHDRAWN"},
    "expired": {"id": "KEDALUWARSA", "en": "EXPIRED"},
    "reason": {"id": "Alasan", "en": "Reason"},
    "holder": {"id": "Pemegang sertifikat", "en": "Certificate holder"},
    "site_prod": {"id": "Lokasi produksi", "en": "Production site"},
    "brand": {"id": "Merek", "en": "Brand"},
    "product": {"id": "Produk", "en": "Product"},
    "standard": {"id": "Standar", "en": "Standard"},
    "scheme": {"id": "Skema", "en": "Scheme"},
    "scope": {"id": "Ruang lingkup", "en": "Scope"},
    "issued": {"id": "Tanggal terbit", "en": "Issued"},
    "valid_until": {"id": "Berlaku sampai", "en": "Valid until"},
    "all_products": {"id": "Semua produk", "en": "All products"},
    "business_or_brand": {"id": "Usaha, merek atau nomor", "en": "Business, brand or number"},
    "city": {"id": "Kota", "en": "City"},
    "results": {"id": "hasil", "en": "results"},
    "language": {"id": "English", "en": "Bahasa Indonesia"},
    "sign_in": {"id": "Masuk", "en": "Sign in"},
    "sign_out": {"id": "Keluar", "en": "Sign out"},
    "register": {"id": "Daftar sebagai pelaku usaha", "en": "Register your business"},
    "email": {"id": "Email", "en": "E-mail"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "bad_login": {"id": "Email atau kata sandi salah.", "en": "Wrong e-mail or password."},
    "applications": {"id": "Permohonan", "en": "Applications"},
    "no_applications": {"id": "Belum ada permohonan.", "en": "No applications yet."},
    "f_name": {"id": "Nama pemilik", "en": "Owner's name"},
    "f_email": {"id": "Email", "en": "E-mail"},
    "f_phone": {"id": "Nomor HP", "en": "Mobile number"},
    "f_password": {"id": "Kata sandi (min. 8 karakter)", "en": "Password (8+ characters)"},
    "f_business_name": {"id": "Nama usaha", "en": "Business name"},
    "f_nib": {"id": "NIB (13 digit)", "en": "NIB (13 digits)"},
    "f_address": {"id": "Alamat usaha", "en": "Business address"},
    "f_city": {"id": "Kota", "en": "City"},
    "app_new": {"id": "Permohonan baru", "en": "New application"},
    "app_brand": {"id": "Merek", "en": "Brand"},
    "app_production_site": {"id": "Lokasi produksi", "en": "Production site"},
    "app_variants": {"id": "Varian (jika ada)", "en": "Variants (if any)"},
    "app_create": {"id": "Buat permohonan", "en": "Create application"},
    "app_awaiting": {"id": "Menunggu", "en": "Awaiting"},
    "app_due": {"id": "paling lambat", "en": "due"},
    "app_certificate": {"id": "Sertifikat", "en": "Certificate"},
    "app_ncs": {"id": "Ketidaksesuaian yang harus dijawab", "en": "Non-conformities to answer"},
    "app_answer": {"id": "Jawaban / perbaikan", "en": "Answer / correction"},
    "app_corrected_file":
        {"id": "Dokumen perbaikan (opsional)", "en": "Corrected document (optional)"},
    "app_send_answer": {"id": "Kirim jawaban", "en": "Send answer"},
    "app_documents": {"id": "Dokumen", "en": "Documents"},
    "app_upload": {"id": "Unggah", "en": "Upload"},
    "app_submit": {"id": "Ajukan permohonan", "en": "Submit the application"},
    "app_timeline": {"id": "Riwayat", "en": "Timeline"},
    "role_applicant": {"id": "Pemohon", "en": "Applicant"},
    "role_official": {"id": "Petugas LSPro", "en": "Official"},
    "role_sampler": {"id": "Petugas pengambil contoh", "en": "Sampling officer"},
    "role_lab_analyst": {"id": "Laboratorium", "en": "Laboratory"},
    "role_system": {"id": "Sistem", "en": "System"},
    "role_lab_verifier": {"id": "Verifikator lab", "en": "Lab verifier"},
    "role_None": {"id": "-", "en": "-"},
    "st_draft": {"id": "Draf", "en": "Draft"},
    "st_submitted": {"id": "Diajukan", "en": "Submitted"},
    "st_document_review": {"id": "Tinjauan dokumen", "en": "Document review"},
    "st_nonconformity": {"id": "Perlu perbaikan", "en": "Needs correction"},
    "st_sampling": {"id": "Pengambilan contoh", "en": "Sampling"},
    "st_testing": {"id": "Pengujian", "en": "Testing"},
    "st_evaluation": {"id": "Evaluasi", "en": "Evaluation"},
    "st_decision": {"id": "Keputusan", "en": "Decision"},
    "st_approved": {"id": "Disetujui", "en": "Approved"},
    "st_certified": {"id": "Bersertifikat", "en": "Certified"},
    "st_refused": {"id": "Ditolak", "en": "Refused"},
    "st_withdrawn": {"id": "Ditarik", "en": "Withdrawn"},
    "smp_title": {"id": "Pengambilan contoh", "en": "Sampling"},
    "smp_none": {"id": "Tidak ada permohonan yang menunggu pengambilan contoh.",
                 "en": "No application is waiting for sampling."},
    "smp_seal": {"id": "nomor segel", "en": "seal number"},
    "smp_location": {"id": "Tempat pengambilan", "en": "Where the samples were taken"},
    "smp_record": {"id": "Catat contoh tersegel", "en": "Record sealed samples"},
    "signed_note": {"id": "Sertifikat ditandatangani secara elektronik (Ed25519); kunci",
                    "en": "The certificate is electronically signed (Ed25519); key"},
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "id"
    return lang if lang in LANGS else "id"


def translator(lang: str):
    def t(key: str) -> str:
        entry = TEXT.get(key)
        return entry[lang] if entry else key
    return t
