"""Bahasa Indonesia first, English on request (?lang=en, remembered in a cookie)."""

from __future__ import annotations

from fastapi import Request

LANGS = ("id", "en")
TEXT: dict[str, dict[str, str]] = {
    # changes affecting certification (ISO/IEC 17065 §7.10) and newer versions
    "chg_notify": {"id": "Beritahukan perubahan", "en": "Notify a change"},
    "chg_title": {"id": "Pemberitahuan perubahan", "en": "Notice of a change"},
    "chg_intro": {
        "id": "Beritahukan setiap perubahan yang dapat memengaruhi sertifikasi: produk "
        "(resep, bahan, kemasan), lokasi produksi, atau kepemilikan usaha. Petugas LSPro "
        "menilainya dan memberi tahu Anda hasilnya.",
        "en": "Tell us of any change that may affect the certification: the product "
        "(recipe, ingredients, packaging), the production site, or the ownership of the "
        "business. An LSPro official assesses it and tells you the outcome.",
    },
    "chg_kind": {"id": "Jenis perubahan", "en": "What changes"},
    "chg_kind_product": {"id": "Produk", "en": "The product"},
    "chg_kind_site": {"id": "Lokasi produksi", "en": "The production site"},
    "chg_kind_ownership": {"id": "Kepemilikan usaha", "en": "The ownership"},
    "chg_kind_other": {"id": "Lainnya", "en": "Something else"},
    "chg_description": {"id": "Uraian perubahan", "en": "What changes, and from when"},
    "chg_documents": {
        "id": "Dokumen pendukung (PDF atau foto, tidak wajib)",
        "en": "Supporting documents (PDF or photos, optional)",
    },
    "chg_send": {"id": "Kirim pemberitahuan", "en": "Send the notice"},
    "chg_sent": {
        "id": "Pemberitahuan terkirim. Kami akan memberi tahu hasil penilaiannya.",
        "en": "Notice sent. We will tell you the outcome of its assessment.",
    },
    "chg_earlier": {"id": "Perubahan yang diberitahukan", "en": "Changes notified"},
    "chg_no_kind": {"id": "Pilih jenis perubahan", "en": "Choose what changes"},
    "chg_need_description": {"id": "Uraikan perubahannya", "en": "Say what changes"},
    "chg_st_notified": {"id": "Menunggu penilaian", "en": "Awaiting assessment"},
    "chg_st_no_action": {"id": "Tidak perlu tindakan", "en": "No action"},
    "chg_st_new_evaluation": {
        "id": "Evaluasi ulang (survailan khusus)",
        "en": "New evaluation (special surveillance)",
    },
    "chg_st_suspension": {"id": "Sertifikat dibekukan", "en": "Certificate suspended"},
    "chg_reasons": {"id": "Alasan", "en": "Reasons"},
    "chg_list_title": {"id": "Perubahan", "en": "Changes"},
    "chg_holder": {"id": "Pemegang sertifikat", "en": "Holder"},
    "chg_notified": {"id": "Diberitahukan", "en": "Notified"},
    "chg_assessor": {"id": "Dinilai oleh", "en": "Assessed by"},
    "chg_assess": {"id": "Nilai perubahan", "en": "Assess the change"},
    "chg_outcome": {"id": "Hasil penilaian", "en": "Outcome"},
    "chg_assess_note": {
        "id": "Hanya petugas yang tidak terlibat dalam kasus ini yang dapat menilai. "
        "Pemegang sertifikat diberi tahu hasil dan alasannya.",
        "en": "Only an official not involved in this case may assess it. The holder is "
        "told the outcome and the reasons.",
    },
    "ver_title": {
        "id": "Versi baru SNI dan daftar periksa",
        "en": "New SNI and checklist versions",
    },
    "ver_intro": {
        "id": "Sertifikat yang masih berlaku tetapi diterbitkan dengan versi daftar periksa "
        "atau SNI yang lebih lama dari versi yang kini disetujui. Nilai masing-masing.",
        "en": "Valid certificates issued under an older checklist or SNI version than the "
        "one approved now. Assess each.",
    },
    "ver_basis_checklist": {"id": "Daftar periksa uji", "en": "Lab checklist"},
    "ver_basis_audit_checklist": {"id": "Daftar periksa audit", "en": "Audit checklist"},
    "ver_basis_standard": {"id": "SNI", "en": "SNI"},
    "ver_mark": {"id": "Tandai sudah dinilai", "en": "Mark as assessed"},
    "ver_none": {
        "id": "Tidak ada sertifikat dengan versi lama.",
        "en": "No certificate was issued under an older version.",
    },
    "aud_overdue": {"id": "Lewat batas perbaikan", "en": "Past its correction date"},
    "aud_due": {"id": "Perbaiki paling lambat", "en": "Correct by"},
    "aud_overdue_title": {
        "id": "Temuan melewati batas perbaikan",
        "en": "Findings past their correction date",
    },
    "aud_overdue_major": {
        "id": "Temuan mayor terbuka melewati batas perbaikan: kasus tidak dapat dievaluasi. "
        "Petugas dapat menyatakan audit gagal.",
        "en": "An open major finding is past its correction date: the case cannot be "
        "evaluated. An official may fail the audit.",
    },
    # impartiality and competence (ISO/IEC 17065 §4.2, §6.1): why someone may not act
    "imp_refused": {
        "id": "{who} tidak boleh bertindak sebagai {function} pada {case}:",
        "en": "{who} may not act as {function} on {case}:",
    },
    "imp_own_business": {
        "id": "bertindak untuk usaha pemohon",
        "en": "acts for the applicant's business",
    },
    "imp_conflict_ownership": {
        "id": "menyatakan konflik kepentingan (kepemilikan) dengan usaha {business}",
        "en": "declared a conflict of interest (ownership) with the business {business}",
    },
    "imp_conflict_relationship": {
        "id": "menyatakan konflik kepentingan (hubungan keluarga) dengan usaha {business}",
        "en": "declared a conflict of interest (family relationship) with the business {business}",
    },
    "imp_conflict_consulting": {
        "id": "menjadi konsultan usaha {business} dalam dua tahun terakhir",
        "en": "consulted for the business {business} in the last two years",
    },
    "imp_unqualified": {
        "id": "tidak memiliki kualifikasi sebagai {function} untuk produk {product}",
        "en": "not qualified as {function} for the product {product}",
    },
    "imp_not_yet": {
        "id": "kualifikasi sebagai {function} untuk produk {product} baru berlaku mulai {day}",
        "en": "the qualification as {function} for the product {product} starts only on {day}",
    },
    "imp_expired": {
        "id": "kualifikasi sebagai {function} untuk produk {product} berakhir pada {day}",
        "en": "the qualification as {function} for the product {product} expired on {day}",
    },
    "imp_decider_reviewed": {
        "id": "telah meninjau dokumen permohonan ini, jadi tidak boleh memutuskannya",
        "en": "reviewed the documents of this case, so may not decide it",
    },
    "imp_decider_audited": {
        "id": "telah mengaudit lokasi produksi pada permohonan ini, jadi tidak boleh memutuskannya",
        "en": "audited the production site of this case, so may not decide it",
    },
    "imp_decider_evaluated": {
        "id": "telah mengevaluasi permohonan ini, jadi tidak boleh memutuskannya",
        "en": "evaluated this case, so may not decide it",
    },
    "imp_consulting_too_old": {
        "id": "Konsultasi yang berakhir lebih dari dua tahun lalu bukan konflik kepentingan",
        "en": "Consulting that ended more than two years ago is no conflict of interest",
    },
    "imp_fn_reviewer": {"id": "peninjau dokumen", "en": "document reviewer"},
    "imp_fn_sampler": {"id": "petugas pengambil contoh", "en": "sampling officer"},
    "imp_fn_lab_analyst": {"id": "analis laboratorium", "en": "lab analyst"},
    "imp_fn_lab_verifier": {"id": "verifikator laboratorium", "en": "lab verifier"},
    "imp_fn_auditor": {"id": "auditor", "en": "auditor"},
    "imp_fn_evaluator": {"id": "evaluator", "en": "evaluator"},
    "imp_fn_decider": {"id": "pengambil keputusan", "en": "decision maker"},
    "imp_kind_ownership": {"id": "Kepemilikan", "en": "Ownership"},
    "imp_kind_relationship": {"id": "Hubungan keluarga", "en": "Family relationship"},
    "imp_kind_consulting": {"id": "Konsultan", "en": "Consulting"},
    "imp_nav": {"id": "Imparsialitas", "en": "Impartiality"},
    "imp_mine": {
        "id": "Konflik kepentingan & kualifikasi saya",
        "en": "My conflicts of interest & qualifications",
    },
    "imp_admin": {
        "id": "Imparsialitas & kompetensi petugas",
        "en": "Staff impartiality & competence",
    },
    "imp_conflicts": {"id": "Konflik kepentingan", "en": "Conflicts of interest"},
    "imp_conflicts_help": {
        "id": "Nyatakan setiap usaha yang Anda miliki, yang dijalankan keluarga Anda, atau yang "
        "Anda dampingi sebagai konsultan dalam dua tahun terakhir. Anda tidak akan ditugaskan "
        "pada permohonannya.",
        "en": "Declare every business you own part of, that your family runs, or that you "
        "consulted for in the last two years. You will not be assigned to its applications.",
    },
    "imp_declare": {"id": "Nyatakan konflik", "en": "Declare a conflict"},
    "imp_declare_for": {"id": "Petugas", "en": "Staff member"},
    "imp_business": {"id": "Usaha", "en": "Business"},
    "imp_kind": {"id": "Jenis", "en": "Kind"},
    "imp_period_from": {"id": "Sejak (tidak wajib)", "en": "Since (optional)"},
    "imp_period_until": {
        "id": "Sampai (konsultan: kapan berakhir)",
        "en": "Until (consulting: when it ended)",
    },
    "imp_note": {"id": "Keterangan", "en": "Note"},
    "imp_declared_on": {"id": "Dinyatakan", "en": "Declared on"},
    "imp_state_declared": {"id": "Berlaku", "en": "Declared"},
    "imp_state_closed": {"id": "Ditutup", "en": "Closed"},
    "imp_close": {"id": "Tutup", "en": "Close"},
    "imp_close_reason": {"id": "Alasan penutupan", "en": "Reason for closing"},
    "imp_none": {"id": "Belum ada.", "en": "None yet."},
    "imp_qualifications": {"id": "Kualifikasi", "en": "Qualifications"},
    "imp_qualify": {"id": "Catat kualifikasi", "en": "Record a qualification"},
    "imp_function": {"id": "Fungsi", "en": "Function"},
    "imp_product": {"id": "Produk", "en": "Product"},
    "imp_valid_from": {"id": "Berlaku mulai", "en": "Valid from"},
    "imp_valid_until": {"id": "Berlaku sampai (tidak wajib)", "en": "Valid until (optional)"},
    "imp_evidence": {
        "id": "Bukti (sertifikat, pelatihan, penilaian)",
        "en": "Evidence (certificate, training, assessment)",
    },
    "imp_err_function": {"id": "Pilih fungsi yang dikenal", "en": "Choose a known function"},
    "imp_err_product": {"id": "Bukan produk dalam katalog", "en": "Not a catalog product"},
    "imp_err_kind": {"id": "Pilih jenis konflik", "en": "Choose the kind of conflict"},
    "imp_err_choose": {"id": "Pilih salah satu", "en": "Choose one"},
    "imp_err_date": {"id": "Tuliskan tanggal (TTTT-BB-HH)", "en": "Give a date (YYYY-MM-DD)"},
    "imp_err_order": {
        "id": "Tanggal akhir sebelum tanggal mulai",
        "en": "It ends before it starts",
    },
    "imp_err_evidence": {
        "id": "Sebutkan buktinya (sertifikat, pelatihan, penilaian)",
        "en": "Name the evidence (certificate, training, assessment)",
    },
    "imp_err_reason": {"id": "Sebutkan alasannya", "en": "Say why"},
    "imp_validity": {"id": "Masa berlaku", "en": "Validity"},
    "imp_evidence_short": {"id": "Bukti", "en": "Evidence"},
    "imp_open_ended": {"id": "sampai dicabut", "en": "until withdrawn"},
    "imp_q_current": {"id": "Berlaku", "en": "Current"},
    "imp_q_expired": {"id": "Kedaluwarsa", "en": "Expired"},
    "imp_q_pending": {"id": "Belum berlaku", "en": "Not yet valid"},
    "imp_q_superseded": {"id": "Diganti", "en": "Superseded"},
    "imp_q_withdrawn": {"id": "Dicabut", "en": "Withdrawn"},
    "imp_withdraw": {"id": "Cabut", "en": "Withdraw"},
    "imp_withdraw_reason": {"id": "Alasan pencabutan", "en": "Reason for withdrawing"},
    "imp_only_officials": {
        "id": "Kualifikasi dicatat oleh pejabat LSPro.",
        "en": "Qualifications are recorded by an LSPro official.",
    },
    "imp_not_required": {
        "id": "Perhatian: kualifikasi tidak diwajibkan pada instalasi ini "
        "(require_qualifications = false).",
        "en": "Note: this installation does not require qualifications "
        "(require_qualifications = false).",
    },
    # complaints and appeals (ISO/IEC 17065 §7.13)
    "cmp_number": {"id": "Nomor pengaduan", "en": "Complaint number"},
    "cmp_bad_email": {"id": "Alamat e-mail tidak valid", "en": "Not an e-mail address"},
    "cmp_no_subject": {"id": "Pilih pokok pengaduan", "en": "Choose what the complaint is about"},
    "cmp_need_certificate": {
        "id": "Tuliskan nomor sertifikat (SNI-...) yang diadukan",
        "en": "Give the number (SNI-...) of the certificate complained about",
    },
    "cmp_no_certificate": {
        "id": "Tidak ada sertifikat dengan nomor ini",
        "en": "No certificate has this number",
    },
    "cmp_need_text": {"id": "Tuliskan isi pengaduan", "en": "Say what the complaint is about"},
    "cmp_new_title": {
        "id": "Pengaduan",
        "en": "Complaint",
    },
    "cmp_intro": {
        "id": "Siapa pun dapat mengadukan produk atau pemegang sertifikat SNI, atau layanan LSPro. "
        "Anda tidak perlu masuk. Setelah dikirim, Anda menerima kode pelacakan untuk "
        "mengikuti penanganannya.",
        "en": "Anyone may complain about an SNI-certified product or holder, or about the LSPro's "
        "service. No sign-in needed. Once sent, you get a tracking code to follow how it is "
        "handled.",
    },
    "cmp_subject": {
        "id": "Tentang",
        "en": "About",
    },
    "cmp_subject_certificate": {
        "id": "Produk atau pemegang sertifikat",
        "en": "A certified product or holder",
    },
    "cmp_subject_lspro": {"id": "Layanan LSPro", "en": "The LSPro's service"},
    "cmp_certificate": {
        "id": "Nomor sertifikat (jika tentang produk)",
        "en": "Certificate number (for a product)",
    },
    "cmp_text": {
        "id": "Isi pengaduan",
        "en": "The complaint",
    },
    "cmp_contact_note": {
        "id": "Kontak tidak wajib dan tidak pernah diumumkan; kami memakainya bila perlu bertanya.",
        "en": "Contact details are optional and never published; we use them only to ask you "
        "questions.",
    },
    "cmp_contact_name": {
        "id": "Nama (tidak wajib)",
        "en": "Name (optional)",
    },
    "cmp_contact_email": {
        "id": "E-mail (tidak wajib)",
        "en": "E-mail (optional)",
    },
    "cmp_contact_phone": {
        "id": "Nomor HP (tidak wajib)",
        "en": "Mobile number (optional)",
    },
    "cmp_send": {
        "id": "Kirim pengaduan",
        "en": "Send the complaint",
    },
    "cmp_about_this": {
        "id": "Adukan produk bersertifikat ini",
        "en": "Complain about this certified product",
    },
    "cmp_track_title": {
        "id": "Status pengaduan",
        "en": "Complaint status",
    },
    "cmp_unknown": {
        "id": "Kode pelacakan tidak dikenal. Periksa kembali kode Anda.",
        "en": "Unknown tracking code. Please check it.",
    },
    "cmp_received": {
        "id": "Pengaduan Anda sudah diterima dan dicatat.",
        "en": "Your complaint has been received and recorded.",
    },
    "cmp_tracking": {
        "id": "Kode pelacakan",
        "en": "Tracking code",
    },
    "cmp_keep_code": {
        "id": "Simpan kode ini (atau alamat halaman ini): hanya dengan kode ini status pengaduan "
        "dapat dilihat.",
        "en": "Keep this code (or this page's address): it is the only way to see the complaint's "
        "status.",
    },
    "cmp_filed": {
        "id": "Diterima",
        "en": "Received",
    },
    "cmp_closed": {
        "id": "Selesai",
        "en": "Closed",
    },
    "cmp_outcome": {
        "id": "Hasil",
        "en": "Outcome",
    },
    "cmp_answer": {"id": "Jawaban LSPro", "en": "The LSPro's answer"},
    "cmp_in_progress": {
        "id": "Pengaduan sedang ditangani oleh petugas yang tidak terlibat dalam pokok pengaduan.",
        "en": "The complaint is being handled by an official not involved in its subject.",
    },
    "cmp_st_acknowledged": {
        "id": "Diterima",
        "en": "Acknowledged",
    },
    "cmp_st_investigating": {
        "id": "Sedang diperiksa",
        "en": "Under investigation",
    },
    "cmp_st_closed": {
        "id": "Selesai",
        "en": "Closed",
    },
    "cmp_st_under_review": {
        "id": "Sedang ditinjau",
        "en": "Under review",
    },
    "cmp_st_upheld": {
        "id": "Keputusan tetap",
        "en": "Decision upheld",
    },
    "cmp_st_overturned": {
        "id": "Keputusan dibatalkan",
        "en": "Decision overturned",
    },
    "cmp_out_upheld": {
        "id": "Pengaduan terbukti",
        "en": "Complaint upheld",
    },
    "cmp_out_not_upheld": {
        "id": "Pengaduan tidak terbukti",
        "en": "Complaint not upheld",
    },
    "cmp_list_title": {
        "id": "Pengaduan & banding",
        "en": "Complaints & appeals",
    },
    "cmp_status": {
        "id": "Status",
        "en": "Status",
    },
    "cmp_all": {
        "id": "Semua",
        "en": "All",
    },
    "cmp_filter": {
        "id": "Saring",
        "en": "Filter",
    },
    "cmp_complaints": {
        "id": "Pengaduan",
        "en": "Complaints",
    },
    "cmp_appeals": {
        "id": "Banding",
        "en": "Appeals",
    },
    "cmp_none": {
        "id": "Tidak ada.",
        "en": "None.",
    },
    "cmp_contact": {"id": "Kontak pengadu (rahasia)", "en": "Complainant's contact (private)"},
    "cmp_handler": {
        "id": "Petugas penanganan",
        "en": "Handled by",
    },
    "cmp_investigation": {
        "id": "Catatan pemeriksaan (internal)",
        "en": "Investigation notes (internal)",
    },
    "cmp_take": {
        "id": "Tangani",
        "en": "Take it",
    },
    "cmp_take_note": {
        "id": "Hanya petugas yang tidak mengkaji, mengevaluasi atau memutus permohonan terkait yang"
        " dapat menangani.",
        "en": "Only an official who did not review, evaluate or decide the related application may "
        "handle it.",
    },
    "cmp_note": {
        "id": "Temuan pemeriksaan",
        "en": "What the investigation found",
    },
    "cmp_record": {
        "id": "Catat",
        "en": "Record",
    },
    "cmp_close": {
        "id": "Tutup pengaduan",
        "en": "Close the complaint",
    },
    "cmp_action": {
        "id": "Tindak lanjut",
        "en": "Follow-up",
    },
    "cmp_act_none": {
        "id": "Tidak ada",
        "en": "None",
    },
    "cmp_act_special_surveillance": {
        "id": "Survailan khusus",
        "en": "Special surveillance",
    },
    "cmp_act_suspension": {
        "id": "Pembekuan sertifikat",
        "en": "Suspend the certificate",
    },
    "cmp_special_case": {
        "id": "kasus survailan",
        "en": "surveillance case",
    },
    "cmp_public_outcome": {
        "id": "Jawaban untuk pengadu (ditampilkan di halaman pelacakan)",
        "en": "Answer to the complainant (shown on the tracking page)",
    },
    "apl_title": {
        "id": "Banding",
        "en": "Appeal",
    },
    "apl_kind": {
        "id": "Keputusan yang dibanding",
        "en": "Decision appealed",
    },
    "apl_kind_refusal": {
        "id": "Penolakan",
        "en": "Refusal",
    },
    "apl_kind_suspension": {
        "id": "Pembekuan",
        "en": "Suspension",
    },
    "apl_kind_withdrawal": {
        "id": "Pencabutan",
        "en": "Withdrawal",
    },
    "apl_can": {
        "id": "Anda dapat mengajukan banding atas keputusan",
        "en": "You may appeal the decision of",
    },
    "apl_until": {
        "id": "paling lambat",
        "en": "until",
    },
    "apl_grounds": {
        "id": "Alasan banding",
        "en": "Grounds of the appeal",
    },
    "apl_send": {
        "id": "Ajukan banding",
        "en": "Send the appeal",
    },
    "apl_decided_by": {
        "id": "Diputus oleh",
        "en": "Decided by",
    },
    "apl_reasons": {
        "id": "Alasan keputusan banding",
        "en": "Reasons of the decision",
    },
    "apl_next_step": {
        "id": "Langkah selanjutnya",
        "en": "Next step",
    },
    "apl_next_step_note": {
        "id": "Wajib bila penolakan atau pencabutan dibatalkan: keputusan itu final, jadi tuliskan "
        "apa yang dilakukan LSPro.",
        "en": "Required when a refusal or withdrawal is overturned: that decision is final, so say "
        "what the LSPro does next.",
    },
    "apl_take_note": {
        "id": "Hanya petugas yang tidak terlibat dalam permohonan dan bukan pembuat keputusan yang "
        "dibanding.",
        "en": "Only an official not involved in the application and who did not make the appealed "
        "decision.",
    },
    "apl_outcome": {
        "id": "Keputusan banding",
        "en": "Decision on the appeal",
    },
    "apl_uphold": {
        "id": "Keputusan tetap (banding ditolak)",
        "en": "Uphold the decision (appeal rejected)",
    },
    "apl_overturn": {
        "id": "Batalkan keputusan (banding diterima)",
        "en": "Overturn the decision (appeal granted)",
    },
    "apl_decide": {
        "id": "Putuskan",
        "en": "Decide",
    },
    # the satisfaction survey (SKM) and its public summary
    "skm_title": {"id": "Survei Kepuasan Masyarakat", "en": "Satisfaction survey"},
    "skm_intro": {
        "id": "Permohonan Anda sudah selesai. Bantu kami memperbaiki pelayanan: beri nilai "
        "1 sampai 4 untuk setiap unsur pelayanan (PermenPANRB 14/2017). Survei ini diisi "
        "sekali dan memerlukan sekitar dua menit.",
        "en": "Your application is closed. Help us improve the service: rate each service "
        "element from 1 to 4 (PermenPANRB 14/2017). The survey is answered once and takes "
        "about two minutes.",
    },
    "skm_comment": {"id": "Saran atau masukan (tidak wajib)", "en": "Suggestions (optional)"},
    "skm_privacy": {
        "id": "Nilai Anda hanya ditampilkan sebagai rata-rata; saran dibaca LSPro dan tidak "
        "diumumkan.",
        "en": "Your scores are only shown as averages; suggestions are read by the LSPro and "
        "never published.",
    },
    "skm_send": {"id": "Kirim survei", "en": "Send the survey"},
    "skm_thanks": {
        "id": "Terima kasih, survei Anda sudah kami terima.",
        "en": "Thank you, we have received your survey.",
    },
    "skm_not_yet": {
        "id": "Survei dibuka setelah permohonan selesai.",
        "en": "The survey opens once the application is closed.",
    },
    "skm_prompt": {
        "id": "Bagaimana pelayanan kami? Isi survei kepuasan untuk",
        "en": "How did we do? Answer the satisfaction survey for",
    },
    "skm_fill": {"id": "Isi survei kepuasan", "en": "Answer the satisfaction survey"},
    "skm_done": {"id": "Survei kepuasan sudah diisi", "en": "Satisfaction survey answered"},
    "skm_missing": {"id": "Pilih nilai 1 sampai 4.", "en": "Choose a score from 1 to 4."},
    "skm_bad": {
        "id": "Nilai harus bilangan bulat 1 sampai 4.",
        "en": "A score is a whole number from 1 to 4.",
    },
    "skm_public_title": {
        "id": "Indeks Kepuasan Masyarakat (IKM)",
        "en": "Public satisfaction index (IKM)",
    },
    "skm_public_intro": {
        "id": "Hasil Survei Kepuasan Masyarakat atas pelayanan sertifikasi produk, dari "
        "pemohon yang permohonannya telah selesai. Hanya angka yang ditampilkan.",
        "en": "Results of the satisfaction survey of the product certification service, "
        "answered by applicants whose cases are closed. Only figures are shown.",
    },
    "skm_from": {"id": "Dari tanggal", "en": "From"},
    "skm_to": {"id": "Sampai tanggal", "en": "To"},
    "skm_show": {"id": "Tampilkan", "en": "Show"},
    "skm_quality": {"id": "Mutu pelayanan", "en": "Service quality"},
    "skm_respondents": {"id": "Responden", "en": "Respondents"},
    "skm_elements": {"id": "Nilai rata-rata per unsur", "en": "Mean score per element"},
    "skm_element": {"id": "Unsur pelayanan", "en": "Service element"},
    "skm_mean": {"id": "Rata-rata (1–4)", "en": "Mean (1–4)"},
    "skm_per_product": {"id": "Per produk", "en": "Per product"},
    "skm_how": {"id": "Cara menghitung", "en": "How it is computed"},
    "skm_how_text": {
        "id": "IKM = 25 × jumlah (rata-rata nilai tiap unsur × 1/9), dihitung dari nilai "
        "yang tepat lalu dibulatkan ke dua desimal (setengah ke atas). Mutu pelayanan:",
        "en": "IKM = 25 × the sum of (each element's mean score × 1/9), computed exactly and "
        "then rounded half-up to two decimals. Service quality:",
    },
    "skm_bad_period": {
        "id": "Periode tidak dapat dipakai (tanggal tidak sah, akhir sebelum awal, atau "
        "produk tidak dikenal); ditampilkan dua belas bulan terakhir.",
        "en": "The period cannot be used (invalid date, end before start, or unknown "
        "product); showing the last twelve months.",
    },
    "site": {
        "id": "Sertifikasi Produk SNI – Kota Kupang",
        "en": "SNI Product Certification – Kota Kupang",
    },
    "verify_title": {"id": "Periksa sertifikat", "en": "Check a certificate"},
    "directory": {"id": "Direktori produk bersertifikat", "en": "Directory of certified products"},
    "number": {"id": "Nomor sertifikat", "en": "Certificate number"},
    "check": {"id": "Periksa", "en": "Check"},
    "search": {"id": "Cari", "en": "Search"},
    "not_found": {"id": "Sertifikat tidak ditemukan", "en": "Certificate not found"},
    "not_found_help": {
        "id": "Periksa kembali nomor pada sertifikat atau label.",
        "en": "Check the number on the certificate or label again.",
    },
    "status": {"id": "Status", "en": "Status"},
    "active": {"id": "BERLAKU", "en": "VALID"},
    "suspended": {"id": "DIBEKUKAN", "en": "SUSPENDED"},
    "withdrawn": {"id": "DICABUT", "en": "WITHDRAWN"},
    "expired": {"id": "KEDALUWARSA", "en": "EXPIRED"},
    "untrustworthy": {"id": "TIDAK DAPAT DIPERCAYA", "en": "NOT TRUSTWORTHY"},
    "untrustworthy_help": {
        "id": "Data sertifikat ini di sistem tidak sesuai dengan yang ditandatangani LSPro "
        "saat terbit. Jangan anggap sertifikat ini berlaku; hubungi LSPro.",
        "en": "This certificate's record does not match what the LSPro signed when it was "
        "issued. Do not treat it as valid; contact the LSPro.",
    },
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
    "search_refused": {
        "id": "Kata pencarian tidak dapat dipakai: terlalu panjang atau berisi karakter kendali.",
        "en": "The search cannot be used: too long, or it contains control characters.",
    },
    "language": {"id": "English", "en": "Bahasa Indonesia"},
    "sign_in": {"id": "Masuk", "en": "Sign in"},
    "signed_in_as": {"id": "Masuk sebagai", "en": "Signed in as"},
    "nav_my_applications": {"id": "Permohonan saya", "en": "My applications"},
    "nav_main": {"id": "Menu utama", "en": "Main menu"},
    "err_title_400": {"id": "Permintaan tidak dapat dibaca", "en": "The request cannot be read"},
    "err_title_401": {"id": "Silakan masuk dahulu", "en": "Please sign in first"},
    "err_title_403": {"id": "Tidak diizinkan", "en": "Not allowed"},
    "err_title_404": {"id": "Halaman tidak ditemukan", "en": "Page not found"},
    "err_title_405": {
        "id": "Cara membuka halaman ini tidak didukung",
        "en": "Not supported for this page",
    },
    "err_title_409": {
        "id": "Tidak dapat dilakukan pada tahap ini",
        "en": "Not possible at this stage",
    },
    "err_title_500": {
        "id": "Terjadi kesalahan pada sistem",
        "en": "Something went wrong on our side",
    },
    "err_title_other": {
        "id": "Permintaan tidak dapat diproses",
        "en": "The request cannot be processed",
    },
    "err_404": {
        "id": (
            "Alamat ini tidak ada, atau bukan milik Anda untuk dilihat. Periksa kembali alamatnya."
        ),
        "en": "This address does not exist, or is not yours to see. Check the address.",
    },
    "err_405": {
        "id": "Halaman ini tidak dapat dibuka dengan cara tersebut. Kembali ke halaman sebelumnya.",
        "en": "This page cannot be opened that way. Go back to the previous page.",
    },
    "err_403_role": {
        "id": "Halaman ini untuk {need}. Anda masuk sebagai {name} ({have}).",
        "en": "This page is for {need}. You are signed in as {name} ({have}).",
    },
    "err_500": {
        "id": (
            "Maaf, permintaan Anda tidak dapat diselesaikan. Tidak ada data yang berubah "
            "setengah jalan; silakan coba lagi sebentar lagi. Jika berulang, hubungi LSPro."
        ),
        "en": (
            "Sorry, your request could not be completed. Nothing was half-changed; please "
            "try again shortly. If it happens again, contact the LSPro."
        ),
    },
    "ev_application_created": {"id": "Permohonan dibuat", "en": "Application created"},
    "ev_application_submitted": {"id": "Berkas diajukan", "en": "Dossier submitted"},
    "ev_application_screening_passed": {
        "id": "Berkas lengkap, tagihan diterbitkan",
        "en": "Dossier complete, invoice issued",
    },
    "ev_application_screening_answered": {
        "id": "Kekurangan berkas dijawab, tagihan diterbitkan",
        "en": "Dossier gaps answered, invoice issued",
    },
    "ev_application_payment_proof_submitted": {
        "id": "Bukti pembayaran diunggah",
        "en": "Proof of payment uploaded",
    },
    "ev_application_payment_confirmed": {
        "id": "Pembayaran dikonfirmasi, diteruskan ke tinjauan dokumen",
        "en": "Payment confirmed, on to document review",
    },
    "ev_application_payment_refused": {
        "id": "Bukti pembayaran ditolak",
        "en": "Proof of payment refused",
    },
    "ev_application_screening_failed": {
        "id": "Berkas belum lengkap: ada yang perlu diperbaiki",
        "en": "Dossier incomplete: some things need correcting",
    },
    "ev_application_review_passed": {
        "id": "Dokumen dinyatakan sesuai",
        "en": "Documents found conforming",
    },
    "ev_application_review_failed": {
        "id": "Tinjauan dokumen menemukan ketidaksesuaian",
        "en": "Document review found non-conformities",
    },
    "ev_application_nonconformities_answered": {
        "id": "Perbaikan dikirim",
        "en": "Corrections sent",
    },
    "ev_application_samples_sent": {
        "id": "Contoh dikirim ke laboratorium",
        "en": "Samples sent to the laboratory",
    },
    "ev_application_resampling_requested": {
        "id": "Laboratorium meminta contoh baru",
        "en": "The laboratory asked for new samples",
    },
    "ev_application_testing_completed": {"id": "Pengujian selesai", "en": "Testing completed"},
    "ev_application_evaluated": {
        "id": "Evaluasi selesai, diteruskan untuk keputusan",
        "en": "Evaluation done, on to the decision",
    },
    "ev_application_granted": {"id": "Sertifikasi disetujui", "en": "Certification granted"},
    "ev_application_refused": {"id": "Sertifikasi ditolak", "en": "Certification refused"},
    "ev_application_certified": {"id": "Sertifikat terbit", "en": "Certificate issued"},
    "ev_application_withdrawn": {"id": "Permohonan dibatalkan", "en": "Application withdrawn"},
    "ev_application_overdue": {"id": "Melewati batas waktu", "en": "Past its due date"},
    "ev_application_renewal_started": {"id": "Perpanjangan dimulai", "en": "Renewal started"},
    "ev_document_attached": {"id": "Dokumen diunggah", "en": "Document uploaded"},
    "ev_nonconformity_raised": {"id": "Ketidaksesuaian dicatat", "en": "Non-conformity recorded"},
    "ev_nonconformity_answered": {"id": "Ketidaksesuaian dijawab", "en": "Non-conformity answered"},
    "ev_sample_planned": {"id": "Pengambilan contoh direncanakan", "en": "Sampling planned"},
    "ev_sample_taken": {"id": "Contoh diambil", "en": "Sample taken"},
    "ev_sample_sealed": {"id": "Contoh disegel", "en": "Sample sealed"},
    "ev_sample_received": {
        "id": "Contoh diterima laboratorium",
        "en": "Sample received by the laboratory",
    },
    "ev_sample_in_testing": {"id": "Contoh sedang diuji", "en": "Sample being tested"},
    "ev_sample_retained": {"id": "Contoh arsip disimpan", "en": "Retained sample kept"},
    "ev_result_entered": {"id": "Hasil uji dicatat", "en": "Test result recorded"},
    "ev_result_verified": {"id": "Hasil uji diverifikasi", "en": "Test result verified"},
    "ev_result_retest_requested": {"id": "Uji ulang diminta", "en": "Retest requested"},
    "ev_result_retracted": {
        "id": "Hasil uji ditarik untuk dikoreksi",
        "en": "Test result withdrawn for correction",
    },
    "ev_surveillance_opened": {"id": "Surveilans dibuka", "en": "Surveillance opened"},
    "ev_surveillance_passed": {
        "id": "Surveilans memenuhi syarat",
        "en": "Surveillance passed",
    },
    "ev_surveillance_failed": {
        "id": "Surveilans tidak memenuhi syarat",
        "en": "Surveillance failed",
    },
    "ev_surveillance_sampling_started": {
        "id": "Surveilans dimulai: contoh akan diambil",
        "en": "Surveillance started: samples to be taken",
    },
    "ev_surveillance_site_audit_awaited": {
        "id": "Surveilans menunggu audit sarana",
        "en": "Surveillance awaits the site audit",
    },
    "ev_surveillance_samples_sent": {
        "id": "Contoh surveilans dikirim ke laboratorium",
        "en": "Surveillance samples sent to the laboratory",
    },
    "ev_surveillance_resampling_requested": {
        "id": "Contoh surveilans perlu diambil ulang",
        "en": "Surveillance samples to be taken again",
    },
    "ev_surveillance_testing_completed": {
        "id": "Pengujian surveilans selesai",
        "en": "Surveillance testing completed",
    },
    "ev_surveillance_site_audit_done": {
        "id": "Audit sarana surveilans selesai",
        "en": "Surveillance site audit concluded",
    },
    "ev_site_audit_planned": {
        "id": "Audit sarana produksi direncanakan",
        "en": "Production-site audit planned",
    },
    "ev_site_audit_auditor_assigned": {"id": "Auditor ditugaskan", "en": "Auditor assigned"},
    "ev_site_audit_visit_started": {"id": "Kunjungan audit dimulai", "en": "Audit visit started"},
    "ev_site_audit_reported": {"id": "Laporan audit dibuat", "en": "Audit report written"},
    "ev_site_audit_passed": {
        "id": "Audit sarana produksi lulus",
        "en": "Production-site audit passed",
    },
    "ev_site_audit_failed": {
        "id": "Audit sarana produksi tidak lulus",
        "en": "Production-site audit failed",
    },
    "ev_site_audit_cancelled": {"id": "Audit dibatalkan", "en": "Audit cancelled"},
    "ev_audit_finding_recorded": {"id": "Temuan audit dicatat", "en": "Audit finding recorded"},
    "ev_audit_finding_answered": {
        "id": "Tindakan perbaikan atas temuan dikirim",
        "en": "Corrective action sent",
    },
    "ev_audit_finding_closed": {"id": "Temuan audit ditutup", "en": "Audit finding closed"},
    "ev_audit_finding_reopened": {
        "id": "Temuan audit dibuka kembali",
        "en": "Audit finding reopened",
    },
    "ev_certificate_issued": {"id": "Sertifikat diterbitkan", "en": "Certificate issued"},
    "ev_certificate_suspended": {"id": "Sertifikat dibekukan", "en": "Certificate suspended"},
    "ev_certificate_reinstated": {
        "id": "Sertifikat berlaku kembali",
        "en": "Certificate reinstated",
    },
    "ev_certificate_withdrawn": {"id": "Sertifikat dicabut", "en": "Certificate withdrawn"},
    "ev_certificate_expired": {"id": "Masa berlaku sertifikat habis", "en": "Certificate expired"},
    "ev_survey_invited": {"id": "Undangan survei kepuasan", "en": "Satisfaction survey invitation"},
    "ev_survey_answered": {"id": "Survei kepuasan diisi", "en": "Satisfaction survey answered"},
    "ev_appeal_acknowledged": {"id": "Banding diterima", "en": "Appeal received"},
    "ev_appeal_decided": {"id": "Banding diputuskan", "en": "Appeal decided"},
    "ev_other": {"id": "Langkah tercatat", "en": "Step recorded"},
    "ev_times": {"id": "{n} kali", "en": "{n} times"},
    "next_draft": {
        "id": "Lengkapi dokumen lalu ajukan berkas Anda.",
        "en": "Complete the documents, then submit your dossier.",
    },
    "next_submitted": {
        "id": "Berkas Anda sedang diperiksa kelengkapannya oleh sistem.",
        "en": "Your dossier is being checked for completeness.",
    },
    "next_payment": {
        "id": "Bayar tagihan lalu unggah bukti pembayarannya.",
        "en": "Pay the invoice, then upload the proof of payment.",
    },
    "next_payment_check": {
        "id": "Petugas LSPro sedang memeriksa bukti pembayaran Anda.",
        "en": "An LSPro official is checking your proof of payment.",
    },
    "next_document_review": {
        "id": "Petugas LSPro sedang meninjau dokumen Anda.",
        "en": "An LSPro official is reviewing your documents.",
    },
    "next_nonconformity": {
        "id": "Anda perlu menjawab temuan ketidaksesuaian dan mengunggah perbaikannya.",
        "en": "You need to answer the non-conformities and upload the corrections.",
    },
    "next_sampling": {
        "id": "Petugas pengambil contoh akan datang mengambil dan menyegel contoh produk Anda.",
        "en": "A sampling officer will come to take and seal samples of your product.",
    },
    "next_testing": {
        "id": "Laboratorium sedang menguji contoh produk Anda.",
        "en": "The laboratory is testing samples of your product.",
    },
    "next_site_audit": {
        "id": "Auditor akan memeriksa sarana produksi Anda.",
        "en": "An auditor will check your production site.",
    },
    "next_evaluation": {
        "id": "Petugas LSPro sedang mengevaluasi hasil uji dan audit.",
        "en": "An LSPro official is evaluating the test and audit results.",
    },
    "next_decision": {
        "id": "Petugas LSPro sedang memutuskan sertifikasi Anda.",
        "en": "An LSPro official is deciding on your certification.",
    },
    "next_approved": {
        "id": "Sertifikasi disetujui; sertifikat Anda sedang diterbitkan.",
        "en": "Certification granted; your certificate is being issued.",
    },
    "next_by": {"id": "Batas waktu", "en": "Due by"},
    "err_to_home": {"id": "Ke beranda", "en": "To the home page"},
    "err_400": {
        "id": "Isian yang dikirim tidak dapat dibaca. Muat ulang halaman, lalu coba lagi.",
        "en": "What was sent cannot be read. Reload the page and try again.",
    },
    "err_401": {
        "id": "Silakan masuk untuk membuka halaman ini.",
        "en": "Please sign in to open this page.",
    },
    "err_403": {
        "id": (
            "Anda tidak diizinkan melakukan ini. Jika halaman sudah lama terbuka, muat "
            "ulang lalu coba lagi."
        ),
        "en": (
            "You are not allowed to do this. If the page has been open for long, reload it "
            "and try again."
        ),
    },
    "sign_out": {"id": "Keluar", "en": "Sign out"},
    "register": {"id": "Daftar sebagai pelaku usaha", "en": "Register your business"},
    "email": {"id": "Email", "en": "E-mail"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "bad_login": {"id": "Email atau kata sandi salah.", "en": "Wrong e-mail or password."},
    "too_many_title": {"id": "Terlalu banyak percobaan", "en": "Too many attempts"},
    "too_many": {
        "id": "Terlalu banyak percobaan dari alamat ini atau untuk akun ini. Coba lagi "
        "dalam {minutes} menit. Pemilik akun tetap dapat masuk dari jaringan lain "
        "(misalnya data seluler).",
        "en": "Too many attempts from this address or for this account. Try again in "
        "{minutes} minutes. The account's owner can still sign in from another "
        "network (mobile data, for instance).",
    },
    "registered": {
        "id": "Pendaftaran diterima. Silakan masuk dengan email dan kata sandi Anda. "
        "Jika email ini sudah pernah terdaftar, gunakan kata sandi akun "
        "tersebut atau hubungi LSPro.",
        "en": "Registration received. Sign in with your e-mail and password. If "
        "this e-mail was registered before, use that account's password or "
        "contact the LSPro.",
    },
    "sign_out_everywhere": {
        "id": "Keluar dari semua perangkat (juga mencabut token API)",
        "en": "Sign out everywhere (also revokes API tokens)",
    },
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
    "required": {"id": "Wajib diisi.", "en": "Required."},
    "email_bad": {
        "id": "Ini bukan alamat email. Contoh: nama@contoh.com",
        "en": "Not an e-mail address. Example: name@example.com",
    },
    "nib_bad": {
        "id": "NIB terdiri dari tepat 13 angka (lihat OSS).",
        "en": "An NIB has exactly 13 digits (see OSS).",
    },
    "nib_taken": {
        "id": "Usaha dengan NIB {value} sudah terdaftar. Jika ini usaha Anda, hubungi LSPro.",
        "en": "A business with NIB {value} is already registered. If it is yours, contact "
        "the LSPro.",
    },
    "pw_short": {
        "id": "Kata sandi minimal 8 karakter.",
        "en": "A password has at least 8 characters.",
    },
    "pw_common": {
        "id": "Kata sandi ini termasuk 10.000 kata sandi paling umum. Pilih yang lain.",
        "en": "This is one of the 10,000 most common passwords. Choose another.",
    },
    "pw_personal": {
        "id": "Kata sandi terlalu mirip dengan nama, email atau nama usaha Anda.",
        "en": "The password is too close to your name, e-mail or business name.",
    },
    "product_not_open": {
        "id": "Produk {value} belum dibuka untuk permohonan: daftar periksanya belum "
        "disetujui LSPro. Pilih produk lain dari daftar.",
        "en": "{value} is not open for application yet: the LSPro has not approved its "
        "checklist. Choose another product from the list.",
    },
    "no_open_products": {
        "id": "Belum ada produk yang dibuka untuk permohonan. Silakan coba lagi nanti.",
        "en": "No product is open for application yet. Please try again later.",
    },
    "wd_button": {"id": "Tarik permohonan", "en": "Withdraw application"},
    "wd_title": {"id": "Tarik permohonan", "en": "Withdraw application"},
    "wd_sure": {"id": "Yakin?", "en": "Are you sure?"},
    "wd_final": {
        "id": "Permohonan yang ditarik tidak dapat dilanjutkan lagi.",
        "en": "A withdrawn application cannot be continued.",
    },
    "wd_stops": {
        "id": "Proses sertifikasinya dihentikan: penilaian dokumen, pengambilan contoh dan "
        "pengujian tidak dilanjutkan.",
        "en": "Its certification stops: no more document review, sampling or testing.",
    },
    "wd_anew": {
        "id": "Untuk mendapatkan sertifikat nanti, Anda harus mengajukan permohonan baru.",
        "en": "To be certified later, you must apply anew.",
    },
    "wd_reason": {"id": "Alasan (boleh dikosongkan)", "en": "Reason (optional)"},
    "wd_confirm": {"id": "Ya, tarik permohonan ini", "en": "Yes, withdraw this application"},
    "wd_cancel": {"id": "Tidak, kembali ke permohonan", "en": "No, back to the application"},
    "withdraw_closed_certified": {
        "id": "Permohonan {value} sudah selesai (bersertifikat), jadi tidak dapat ditarik.",
        "en": "Application {value} is closed (certified), so it cannot be withdrawn.",
    },
    "withdraw_closed_refused": {
        "id": "Permohonan {value} sudah selesai (ditolak), jadi tidak dapat ditarik.",
        "en": "Application {value} is closed (refused), so it cannot be withdrawn.",
    },
    "withdraw_closed_withdrawn": {
        "id": "Permohonan {value} sudah ditarik sebelumnya.",
        "en": "Application {value} has already been withdrawn.",
    },
    "app_new": {"id": "Permohonan baru", "en": "New application"},
    "app_brand": {"id": "Merek", "en": "Brand"},
    "app_production_site": {"id": "Lokasi produksi", "en": "Production site"},
    "app_variants": {"id": "Varian (jika ada)", "en": "Variants (if any)"},
    "app_create": {"id": "Buat permohonan", "en": "Create application"},
    "app_awaiting": {"id": "Menunggu", "en": "Awaiting"},
    "app_due": {"id": "paling lambat", "en": "due"},
    "app_certificate": {"id": "Sertifikat", "en": "Certificate"},
    "app_test_report": {"id": "Laporan hasil uji (PDF)", "en": "Test report (PDF)"},
    "lbl_sheet": {"id": "Cetak label contoh (PDF)", "en": "Print sample labels (PDF)"},
    "lbl_sheet_help": {
        "id": "Cetak lembar label sebelum menyegel: satu label untuk kantong tersegel dan satu "
        "untuk setiap kemasan. Tempel label, lalu catat nomor segel di bawah.",
        "en": "Print the label sheet before sealing: one label for the sealed bag and one for "
        "each unit. Stick the labels on, then record the seal numbers below.",
    },
    "lbl_png": {"id": "label (gambar)", "en": "label (image)"},
    "lbl_seal": {"id": "segel", "en": "seal"},
    "doc_preview": {"id": "Lihat", "en": "View"},
    "doc_uploaded": {"id": "diunggah", "en": "uploaded"},
    "doc_download": {"id": "Unduh", "en": "Download"},
    "doc_open_tab": {"id": "Buka di tab baru", "en": "Open in a new tab"},
    "doc_no_preview": {
        "id": "Berkas jenis ini tidak dapat ditampilkan di halaman; silakan unduh.",
        "en": "This type of file cannot be shown in the page; please download it.",
    },
    "app_ncs": {"id": "Ketidaksesuaian yang harus dijawab", "en": "Non-conformities to answer"},
    "app_answer": {"id": "Jawaban / perbaikan", "en": "Answer / correction"},
    "app_corrected_file": {
        "id": "Dokumen perbaikan (opsional)",
        "en": "Corrected document (optional)",
    },
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
    "role_auditor": {"id": "Auditor", "en": "Auditor"},
    "st_site_audit": {"id": "Audit sarana produksi", "en": "Site audit"},
    "adm_cl_items": {"id": "Butir audit", "en": "Audit items"},
    "aud_worklist": {"id": "Audit sarana", "en": "Site audits"},
    "aud_none": {
        "id": "Tidak ada audit yang ditugaskan kepada Anda.",
        "en": "No audit is assigned to you.",
    },
    "aud_title": {"id": "Audit sarana produksi", "en": "Site audit"},
    "aud_planned_for": {"id": "Tanggal audit", "en": "Audit date"},
    "aud_team": {"id": "Auditor", "en": "Auditors"},
    "aud_site": {"id": "Lokasi produksi", "en": "Production site"},
    "aud_report": {"id": "Laporan audit", "en": "Audit report"},
    "aud_start": {"id": "Mulai kunjungan", "en": "Start the visit"},
    "aud_new_finding": {"id": "Catat temuan", "en": "Record a finding"},
    "aud_item": {"id": "Butir daftar periksa", "en": "Checklist item"},
    "aud_grade": {"id": "Kategori", "en": "Grade"},
    "aud_g_major": {"id": "Mayor", "en": "Major"},
    "aud_g_minor": {"id": "Minor", "en": "Minor"},
    "aud_g_observation": {"id": "Observasi", "en": "Observation"},
    "aud_description": {"id": "Uraian temuan", "en": "What was found"},
    "aud_photo": {"id": "Foto atau dokumen bukti", "en": "Photo or document as evidence"},
    "aud_record": {"id": "Simpan temuan", "en": "Save the finding"},
    "aud_findings": {"id": "Temuan", "en": "Findings"},
    "aud_findings_count": {"id": "temuan", "en": "findings"},
    "aud_open_findings": {"id": "temuan terbuka", "en": "open findings"},
    "aud_no_findings": {"id": "Belum ada temuan.", "en": "No findings yet."},
    "aud_evidence": {"id": "Bukti", "en": "Evidence"},
    "aud_ca": {"id": "Tindakan korektif", "en": "Corrective action"},
    "aud_cause": {"id": "Penyebab", "en": "Cause"},
    "aud_action": {"id": "Tindakan yang dilakukan", "en": "Action taken"},
    "aud_deadline": {"id": "Batas waktu", "en": "Deadline"},
    "aud_send_ca": {"id": "Kirim tindakan korektif", "en": "Send the corrective action"},
    "aud_verify_note": {
        "id": "Catatan verifikasi (wajib bila dibuka kembali)",
        "en": "Verification note (required to reopen)",
    },
    "aud_accept": {"id": "Terima, tutup temuan", "en": "Accept, close the finding"},
    "aud_reopen": {"id": "Buka kembali", "en": "Reopen"},
    "aud_verdict_accepted": {"id": "Diterima auditor", "en": "Accepted by the auditor"},
    "aud_verdict_reopened": {"id": "Dibuka kembali oleh auditor", "en": "Reopened by the auditor"},
    "aud_close": {"id": "Akhiri kunjungan", "en": "End the visit"},
    "aud_summary": {"id": "Ringkasan kunjungan", "en": "Summary of the visit"},
    "aud_fail": {"id": "Nyatakan audit tidak lulus", "en": "Fail the audit"},
    "aud_fail_reason": {
        "id": "Alasan (temuan tidak diperbaiki tepat waktu)",
        "en": "Reason (findings not corrected in time)",
    },
    "aud_cancel": {"id": "Batalkan audit", "en": "Cancel the audit"},
    "aud_cancel_reason": {"id": "Alasan pembatalan", "en": "Why it is cancelled"},
    "aud_plan_title": {"id": "Rencana audit", "en": "Audit plan"},
    "aud_plan": {"id": "Rencanakan audit", "en": "Plan the audit"},
    "aud_not_planned": {"id": "Audit belum direncanakan.", "en": "No audit is planned yet."},
    "aud_no_auditors": {
        "id": "Belum ada akun auditor: buat di Pengguna.",
        "en": "No auditor account yet: create one under Users.",
    },
    "aud_surveillance": {"id": "surveilan", "en": "surveillance"},
    "aud_open_audit": {"id": "Buka audit", "en": "Open the audit"},
    "aud_st_planned": {"id": "Direncanakan", "en": "Planned"},
    "aud_st_on_site": {"id": "Kunjungan berlangsung", "en": "Visit in progress"},
    "aud_st_reported": {"id": "Menunggu tindakan korektif", "en": "Awaiting corrective actions"},
    "aud_st_passed": {"id": "Lulus", "en": "Passed"},
    "aud_st_failed": {"id": "Tidak lulus", "en": "Failed"},
    "aud_st_cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "aud_st_not_planned": {"id": "Belum direncanakan", "en": "Not planned"},
    "aud_fs_open": {"id": "Terbuka", "en": "Open"},
    "aud_fs_answered": {
        "id": "Dijawab, menunggu verifikasi",
        "en": "Answered, awaiting verification",
    },
    "aud_fs_closed": {"id": "Ditutup", "en": "Closed"},
    "aud_fs_noted": {"id": "Dicatat", "en": "Noted"},
    "role_None": {"id": "-", "en": "-"},
    "st_draft": {"id": "Draf", "en": "Draft"},
    "st_submitted": {"id": "Diajukan", "en": "Submitted"},
    "st_payment": {"id": "Menunggu pembayaran", "en": "Awaiting payment"},
    "st_payment_check": {"id": "Pemeriksaan pembayaran", "en": "Payment check"},
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
    "smp_none": {
        "id": "Tidak ada permohonan yang menunggu pengambilan contoh.",
        "en": "No application is waiting for sampling.",
    },
    "smp_seal": {"id": "nomor segel", "en": "seal number"},
    "smp_location": {"id": "Tempat pengambilan", "en": "Where the samples were taken"},
    "smp_record": {"id": "Catat contoh tersegel", "en": "Record sealed samples"},
    "app_renew": {"id": "Perpanjang sertifikat", "en": "Renew the certificate"},
    "error_renewal_refused": {
        "id": (
            "Perpanjangan tidak dapat dimulai: sertifikat ini sudah dicabut atau sedang "
            "diperpanjang."
        ),
        "en": "The renewal cannot start: this certificate was withdrawn or is being renewed.",
    },
    "signed_note": {
        "id": "Sertifikat ditandatangani secara elektronik (Ed25519); kunci",
        "en": "The certificate is electronically signed (Ed25519); key",
    },
    # lab and official pages (snicert/web/routes/lab.py, official.py)
    # --- surveillance cases (snicert/services/surveillance.py)
    "sv_title": {"id": "Surveilans", "en": "Surveillance"},
    "sv_list": {"id": "Surveilans sertifikat", "en": "Certificate surveillance"},
    "sv_live": {"id": "Berjalan", "en": "In progress"},
    "sv_done": {"id": "Selesai (terbaru)", "en": "Concluded (latest)"},
    "sv_none": {"id": "Tidak ada.", "en": "None."},
    "sv_cycle": {"id": "Siklus", "en": "Cycle"},
    "sv_special": {"id": "khusus (pengaduan)", "en": "special (complaint)"},
    "sv_due": {"id": "Jatuh tempo", "en": "Due"},
    "sv_certificate": {"id": "Sertifikat", "en": "Certificate"},
    "sv_st_open": {"id": "Dibuka, belum dimulai", "en": "Opened, not started"},
    "sv_st_sampling": {"id": "Pengambilan contoh", "en": "Sampling"},
    "sv_st_testing": {"id": "Pengujian", "en": "Testing"},
    "sv_st_site_audit": {"id": "Menunggu audit sarana", "en": "Awaiting the site audit"},
    "sv_st_evaluation": {"id": "Evaluasi", "en": "Evaluation"},
    "sv_st_passed": {"id": "Memenuhi syarat", "en": "Passed"},
    "sv_st_failed": {"id": "Tidak memenuhi syarat", "en": "Failed"},
    "sv_start": {"id": "Mulai surveilans", "en": "Start the surveillance"},
    "sv_start_help": {
        "id": "Rencana surveilans produk dan daftar periksa lab yang disetujui dibekukan untuk "
        "siklus ini, lalu contoh direncanakan untuk petugas pengambil contoh.",
        "en": "The product's surveillance plan and the approved lab checklist are frozen for "
        "this cycle, and the samples are planned for the sampling officers.",
    },
    "sv_plan": {"id": "Rencana surveilans", "en": "Surveillance plan"},
    "sv_plan_samples": {"id": "Contoh", "en": "Samples"},
    "sv_plan_note": {
        "id": "Diuji menurut rencana surveilans",
        "en": "Tested per the surveillance plan",
    },
    "sv_not_started": {
        "id": "Belum dimulai: rencana dibekukan saat surveilans dimulai.",
        "en": "Not started: the plan is frozen when the surveillance starts.",
    },
    "sv_lab_page": {"id": "Halaman lab surveilans ini", "en": "This surveillance's lab page"},
    "sv_parameter": {"id": "Parameter", "en": "Parameter"},
    "sv_result": {"id": "Hasil yang dihitung", "en": "Counted result"},
    "sv_failing": {"id": "Tidak memenuhi syarat", "en": "Non-conforming"},
    "sv_plan_audit": {"id": "Rencanakan audit sarana", "en": "Plan the site audit"},
    "sv_pass": {"id": "Nyatakan memenuhi syarat", "en": "Pass the surveillance"},
    "sv_fail": {"id": "Nyatakan tidak memenuhi syarat", "en": "Fail the surveillance"},
    "sv_fail_help": {
        "id": "Sertifikat akan dibekukan dengan alasan ini, dan pemegangnya diberi tahu.",
        "en": "The certificate will be suspended with this reason, and its holder told.",
    },
    "sv_note_optional": {"id": "Catatan (boleh kosong)", "en": "Note (optional)"},
    "lab_worklist": {"id": "Daftar kerja lab", "en": "Lab worklist"},
    "lab_verify_queue": {"id": "Antrean verifikasi", "en": "Verification queue"},
    "lab_in_transit": {
        "id": "Contoh dalam perjalanan (untuk diterima)",
        "en": "Samples in transit (to receive)",
    },
    "lab_none_in_transit": {
        "id": "Tidak ada contoh dalam perjalanan.",
        "en": "No samples in transit.",
    },
    "lab_in_testing": {"id": "Permohonan dalam pengujian", "en": "Applications in testing"},
    "lab_none_in_testing": {
        "id": "Tidak ada permohonan dalam pengujian.",
        "en": "No applications in testing.",
    },
    "lab_purpose_test": {"id": "contoh uji", "en": "test sample"},
    "lab_purpose_retained": {"id": "contoh arsip", "en": "retained sample"},
    "lab_units": {"id": "unit", "en": "units"},
    "lab_taken": {"id": "diambil", "en": "taken"},
    "lab_max_transit": {"id": "batas waktu transit", "en": "transit limit"},
    "lab_hours": {"id": "jam", "en": "hours"},
    "lab_seal_number": {"id": "Nomor segel pada kemasan", "en": "Seal number on the package"},
    "lab_seal_intact": {"id": "Segel utuh", "en": "Seal intact"},
    "lab_receive": {"id": "Terima contoh", "en": "Receive the sample"},
    "lab_receive_note": {
        "id": (
            "Segel rusak atau nomornya berbeda, atau transit terlalu lama: contoh ditolak dan"
            " pengambilan contoh diulang."
        ),
        "en": (
            "A broken or different seal, or too long in transit: the samples are rejected and"
            " sampling is repeated."
        ),
    },
    "lab_params_done": {"id": "parameter selesai", "en": "parameters done"},
    "lab_missing_receive": {"id": "Contoh belum diterima", "en": "Samples not received"},
    "lab_missing_enter": {"id": "Hasil perlu diisi", "en": "Results to enter"},
    "lab_missing_verify": {"id": "Menunggu verifikasi", "en": "Awaiting verification"},
    "lab_samples": {"id": "Contoh", "en": "Samples"},
    "lab_no_samples": {"id": "Belum ada contoh.", "en": "No samples yet."},
    "lab_ss_planned": {"id": "direncanakan", "en": "planned"},
    "lab_ss_taken": {"id": "diambil", "en": "taken"},
    "lab_ss_sealed": {"id": "disegel, dalam perjalanan", "en": "sealed, in transit"},
    "lab_ss_received": {"id": "diterima", "en": "received"},
    "lab_ss_in_testing": {"id": "sedang diuji", "en": "in testing"},
    "lab_ss_retained": {"id": "disimpan", "en": "retained"},
    "lab_ss_disposed": {"id": "dimusnahkan", "en": "disposed"},
    "lab_ss_rejected": {"id": "ditolak", "en": "rejected"},
    "lab_ce_taken": {"id": "diambil", "en": "taken"},
    "lab_ce_sealed": {"id": "disegel", "en": "sealed"},
    "lab_ce_received": {"id": "diterima lab", "en": "received by the lab"},
    "lab_ce_in_testing": {"id": "mulai diuji", "en": "testing started"},
    "lab_ce_retained": {"id": "disimpan", "en": "retained"},
    "lab_ce_disposed": {"id": "dimusnahkan", "en": "disposed"},
    "lab_ce_rejected": {"id": "ditolak", "en": "rejected"},
    "lab_custody": {"id": "Rantai penguasaan", "en": "Chain of custody"},
    "lab_results": {"id": "Hasil uji", "en": "Test results"},
    "lab_entry_help": {
        "id": (
            "Isi hanya parameter yang sudah diuji; baris kosong diabaikan. Bila ada baris "
            "yang salah, tidak ada yang disimpan."
        ),
        "en": (
            "Fill in only the parameters tested; empty rows are ignored. If any row has an "
            "error, nothing is stored."
        ),
    },
    "lab_provisional": {"id": "sementara", "en": "provisional"},
    "lab_requirement": {"id": "Persyaratan", "en": "Requirement"},
    "lab_unit": {"id": "Satuan", "en": "Unit"},
    "lab_possible": {"id": "Nilai yang mungkin", "en": "Possible values"},
    "lab_to": {"id": "s.d.", "en": "to"},
    "lab_method": {"id": "Metode", "en": "Method"},
    "lab_value": {"id": "Hasil", "en": "Result"},
    "lab_uncertainty": {"id": "Ketidakpastian (±, opsional)", "en": "Uncertainty (±, optional)"},
    "lab_rs_none": {"id": "belum ada hasil", "en": "no result yet"},
    "lab_rs_entered": {"id": "menunggu verifikasi", "en": "awaiting verification"},
    "lab_rs_verified": {"id": "terverifikasi", "en": "verified"},
    "lab_rs_retracted": {"id": "ditarik – isi ulang", "en": "retracted – enter again"},
    "lab_rs_retest": {
        "id": "uji ulang diminta – isi ulang",
        "en": "retest requested – enter again",
    },
    "lab_history": {"id": "Riwayat hasil", "en": "Result history"},
    "lab_counted": {"id": "dihitung", "en": "counted"},
    "lab_save_results": {"id": "Simpan hasil", "en": "Save results"},
    "lab_errors_title": {
        "id": "Periksa isian berikut (belum ada yang disimpan):",
        "en": "Please check these fields (nothing was stored):",
    },
    "lab_err_no_rows": {"id": "Isi setidaknya satu hasil.", "en": "Enter at least one result."},
    "lab_verify_help": {
        "id": (
            "Hasil yang dimasukkan analis lain. Hasil yang Anda masukkan sendiri diverifikasi"
            " orang lain."
        ),
        "en": (
            "Results entered by other analysts. Results you entered yourself are verified by "
            "someone else."
        ),
    },
    "lab_mine_waiting": {
        "id": "Hasil Anda yang menunggu verifikator lain",
        "en": "Your results waiting for another verifier",
    },
    "lab_queue_empty": {
        "id": "Tidak ada hasil yang menunggu verifikasi.",
        "en": "No results await verification.",
    },
    "lab_analyst": {"id": "Analis", "en": "Analyst"},
    "lab_do_verify": {"id": "Verifikasi", "en": "Verify"},
    "lab_do_retract": {"id": "Tarik hasil", "en": "Retract"},
    "lab_do_retest": {"id": "Minta uji ulang", "en": "Request a retest"},
    "lab_err_403": {"id": "Tidak diizinkan", "en": "Not allowed"},
    "lab_err_sod": {
        "id": "Pemisahan tugas: langkah ini harus dilakukan orang lain",
        "en": "Separation of duties: someone else must take this step",
    },
    "lab_err_404": {"id": "Tidak ditemukan", "en": "Not found"},
    "lab_err_409": {
        "id": "Tidak dapat dilakukan pada tahap ini",
        "en": "Not possible at this stage",
    },
    "lab_err_422": {"id": "Isian tidak valid", "en": "Invalid input"},
    "lab_to_me": {"id": "Kembali ke halaman saya", "en": "Back to my page"},
    "off_dashboard": {"id": "Dasbor", "en": "Dashboard"},
    "off_by_product_state": {
        "id": "Permohonan per produk dan tahap",
        "en": "Applications by product and stage",
    },
    "off_total": {"id": "Jumlah", "en": "Total"},
    "off_overdue": {"id": "terlambat", "en": "overdue"},
    "off_awaited": {"id": "Yang sedang ditunggu", "en": "What is awaited"},
    "off_due": {"id": "batas", "en": "due"},
    "off_aw_draft": {
        "id": "melengkapi dan mengajukan berkas",
        "en": "complete and submit the dossier",
    },
    "off_aw_submitted": {"id": "pemeriksaan berkas otomatis", "en": "automated dossier screening"},
    "off_aw_payment": {
        "id": "membayar tagihan dan mengunggah bukti",
        "en": "pay the invoice and upload the proof",
    },
    "off_aw_payment_check": {"id": "mengonfirmasi pembayaran", "en": "confirm the payment"},
    "off_aw_document_review": {"id": "meninjau dokumen", "en": "review the documents"},
    "off_aw_nonconformity": {"id": "menjawab ketidaksesuaian", "en": "answer the non-conformities"},
    "off_aw_sampling": {"id": "mengambil dan menyegel contoh", "en": "take and seal the samples"},
    "off_aw_testing": {
        "id": "mengisi dan memverifikasi hasil uji",
        "en": "enter and verify the lab results",
    },
    "off_aw_evaluation": {"id": "mengevaluasi permohonan", "en": "evaluate the case"},
    "off_aw_decision": {"id": "memutuskan sertifikasi", "en": "decide on certification"},
    "off_aw_approved": {"id": "menerbitkan sertifikat", "en": "issue the certificate"},
    "off_certificates": {"id": "Sertifikat", "en": "Certificates"},
    "off_no_certificates": {"id": "Belum ada sertifikat.", "en": "No certificates yet."},
    "off_review": {"id": "Tinjauan dokumen", "en": "Document review"},
    "off_round": {"id": "Putaran", "en": "Round"},
    "off_nonconformities": {"id": "Ketidaksesuaian", "en": "Non-conformities"},
    "off_nc_open": {"id": "terbuka", "en": "open"},
    "off_nc_answered": {"id": "dijawab", "en": "answered"},
    "off_answer": {"id": "Jawaban", "en": "Answer"},
    "off_document": {"id": "Dokumen", "en": "Document"},
    "off_not_reviewable": {
        "id": "Tinjauan dokumen hanya dicatat pada tahap tinjauan dokumen.",
        "en": "A document review is recorded only at the document review stage.",
    },
    "off_no_document": {"id": "Tidak ada dokumen yang diunggah.", "en": "No document uploaded."},
    "off_older": {"id": "versi lama", "en": "older version"},
    "off_v_conform": {"id": "sesuai", "en": "conforms"},
    "off_v_nonconform": {"id": "tidak sesuai", "en": "does not conform"},
    "off_v_not_applicable": {"id": "tidak berlaku", "en": "not applicable"},
    "off_v_not_tested": {"id": "belum diuji", "en": "not tested"},
    "off_v_not_reviewed": {"id": "belum ditinjau", "en": "not reviewed"},
    "off_comment": {
        "id": "Komentar (wajib bila tidak sesuai)",
        "en": "Comment (required when it does not conform)",
    },
    "off_save_review": {"id": "Simpan tinjauan", "en": "Save the review"},
    "off_verdicts": {"id": "Hasil tinjauan", "en": "Review verdicts"},
    "off_all_documents": {"id": "Semua dokumen", "en": "All documents"},
    "off_evaluation": {"id": "Evaluasi", "en": "Evaluation"},
    "off_report": {"id": "Laporan evaluasi", "en": "Evaluation report"},
    "off_no_report": {
        "id": "Laporan evaluasi belum dibuat.",
        "en": "The evaluation report is not rendered yet.",
    },
    "off_recommendation": {"id": "Rekomendasi", "en": "Recommendation"},
    "off_rec_grant": {"id": "beri sertifikat", "en": "grant"},
    "off_rec_refuse": {"id": "tolak", "en": "refuse"},
    "off_findings_say": {"id": "Menurut temuan", "en": "The findings say"},
    "off_summary": {"id": "Ringkasan evaluasi", "en": "Evaluation summary"},
    "eval_summary_help": {
        "id": "Tulis dengan singkat apa yang Anda periksa dan mengapa Anda memberi "
        "rekomendasi ini. Ringkasan ini dibaca oleh pengambil keputusan dan dicetak di "
        "laporan evaluasi.",
        "en": "Write briefly what you checked and why you recommend this. The decider reads "
        "this summary and it is printed in the evaluation report.",
    },
    "eval_choose": {
        "id": "Pilih rekomendasi: beri sertifikat atau tolak.",
        "en": "Choose a recommendation: grant or refuse.",
    },
    "eval_grant_not_met": {
        "id": "Sertifikat tidak dapat direkomendasikan: masih ada persyaratan yang belum dipenuhi",
        "en": "A grant cannot be recommended: some requirements are not met",
    },
    "eval_grant_disabled": {
        "id": "Beri sertifikat tidak dapat dipilih karena ada persyaratan yang belum dipenuhi.",
        "en": "Grant cannot be chosen because some requirements are not met.",
    },
    "eval_summary_required": {
        "id": "Tulis ringkasan evaluasi.",
        "en": "Write the evaluation summary.",
    },
    "off_save_evaluation": {"id": "Catat evaluasi", "en": "Record the evaluation"},
    "off_documents_found": {"id": "Temuan dokumen", "en": "Document findings"},
    "off_parameter": {"id": "Parameter", "en": "Parameter"},
    "off_verdict": {"id": "Penilaian", "en": "Verdict"},
    "off_decision": {"id": "Keputusan sertifikasi", "en": "Certification decision"},
    "off_failing": {"id": "Tidak memenuhi", "en": "Not met"},
    "off_evaluator": {"id": "Evaluator", "en": "Evaluator"},
    "off_no_evaluation": {"id": "Belum dievaluasi.", "en": "Not evaluated yet."},
    "off_decided": {"id": "Keputusan", "en": "Decision"},
    "off_out_grant": {"id": "Beri sertifikat", "en": "Grant"},
    "off_out_refuse": {"id": "Tolak", "en": "Refuse"},
    "off_excluded": {
        "id": (
            "Anda tidak boleh memutuskan permohonan ini (imparsialitas dan pemisahan tugas, "
            "ISO/IEC 17065). Pejabat lain yang memutuskan. Alasannya:"
        ),
        "en": (
            "You may not decide this application (impartiality and separation of duties, "
            "ISO/IEC 17065). Another official decides. Why:"
        ),
    },
    "off_independent": {
        "id": (
            "Keputusan diambil oleh pejabat yang tidak meninjau dokumen dan tidak "
            "mengevaluasi permohonan ini."
        ),
        "en": (
            "The decision is taken by an official who neither reviewed the documents nor "
            "evaluated this application."
        ),
    },
    "off_save_decision": {"id": "Catat keputusan", "en": "Record the decision"},
    "off_cert_suspend": {"id": "Bekukan", "en": "Suspend"},
    "off_cert_reinstate": {"id": "Pulihkan", "en": "Reinstate"},
    "off_cert_withdraw": {"id": "Cabut", "en": "Withdraw"},
    "off_fix_by": {"id": "Batas waktu perbaikan (opsional)", "en": "Fix by (optional)"},
    # own password, staff accounts and checklist versions (routes/account.py, admin.py)
    "name": {"id": "Nama", "en": "Name"},
    "acc_password": {"id": "Ubah kata sandi", "en": "Change your password"},
    "acc_choose": {"id": "Pilih kata sandi Anda", "en": "Choose your password"},
    "acc_choose_help": {
        "id": (
            "Anda masuk dengan kata sandi awal atau kode sekali pakai dari petugas. Pilih "
            "kata sandi Anda sendiri untuk melanjutkan; kode itu tidak berlaku lagi."
        ),
        "en": (
            "You signed in with an initial password or a one-time code from an official. "
            "Choose your own password to continue; that code no longer works."
        ),
    },
    "acc_current": {"id": "Kata sandi saat ini", "en": "Current password"},
    "acc_new": {"id": "Kata sandi baru (min. 8 karakter)", "en": "New password (8+ characters)"},
    "acc_confirm": {"id": "Ulangi kata sandi baru", "en": "Repeat the new password"},
    "acc_save": {"id": "Simpan kata sandi", "en": "Save the password"},
    "acc_changed": {
        "id": (
            "Kata sandi Anda sudah diubah. Semua sesi dan token API akun ini diakhiri: "
            "masuk lagi dengan kata sandi baru."
        ),
        "en": (
            "Your password was changed. Every session and API token of this account "
            "ended: sign in again with the new password."
        ),
    },
    "adm_users": {"id": "Akun petugas", "en": "Staff accounts"},
    "adm_roles": {"id": "Peran", "en": "Roles"},
    "adm_active": {"id": "Aktif", "en": "Active"},
    "adm_inactive": {"id": "Nonaktif", "en": "Deactivated"},
    "adm_pending": {"id": "belum memilih kata sandi", "en": "password not chosen yet"},
    "adm_disable": {"id": "Nonaktifkan", "en": "Deactivate"},
    "adm_enable": {"id": "Aktifkan kembali", "en": "Reactivate"},
    "adm_reset": {"id": "Atur ulang kata sandi", "en": "Reset password"},
    "adm_new": {"id": "Akun petugas baru", "en": "New staff account"},
    "adm_new_help": {
        "id": (
            "Setelah disimpan, halaman ini menampilkan kode sekali pakai. Serahkan langsung "
            "kepada orangnya; dengan kode itu ia masuk sekali untuk memilih kata sandinya."
        ),
        "en": (
            "Once saved, this page shows a one-time code. Hand it over in person; it signs "
            "them in once, to choose their password."
        ),
    },
    "adm_create": {"id": "Buat akun", "en": "Create the account"},
    "adm_code": {"id": "Kode sekali pakai", "en": "One-time code"},
    "adm_code_help": {
        "id": (
            "Serahkan langsung (jangan lewat pesan yang bisa dibaca orang lain). Kode ini "
            "hanya ditampilkan sekarang dan hanya berlaku untuk satu kali masuk."
        ),
        "en": (
            "Hand it over in person (not by a message others may read). It is shown only "
            "now and signs in only once."
        ),
    },
    "adm_checklists": {"id": "Versi daftar periksa", "en": "Checklist versions"},
    "adm_cl_help": {
        "id": (
            "Versi yang disetujui dibekukan dan dipakai untuk permohonan baru; versi "
            "sebelumnya menjadi tidak berlaku."
        ),
        "en": (
            "An approved version is frozen and used for new applications; the version "
            "before it is retired."
        ),
    },
    "cl_draft": {"id": "draf", "en": "draft"},
    "cl_approved": {"id": "disetujui", "en": "approved"},
    "cl_retired": {"id": "tidak berlaku", "en": "retired"},
    "adm_cl_loaded": {"id": "Dimuat", "en": "Loaded"},
    "adm_cl_approved_by": {"id": "disetujui oleh", "en": "approved by"},
    "adm_cl_first": {
        "id": "Versi pertama: belum ada versi yang disetujui.",
        "en": "First version: none approved yet.",
    },
    "adm_cl_changes": {
        "id": "Perubahan dibanding versi disetujui",
        "en": "Changes against the approved version",
    },
    "adm_cl_same": {
        "id": "Isi butir dan parameter sama.",
        "en": "Items and parameters are the same.",
    },
    "adm_cl_document_items": {"id": "Butir tinjauan dokumen", "en": "Document-review items"},
    "adm_cl_parameters": {"id": "Parameter uji", "en": "Test parameters"},
    "adm_cl_added": {"id": "ditambah", "en": "added"},
    "adm_cl_removed": {"id": "dihapus", "en": "removed"},
    "adm_cl_changed": {"id": "diubah", "en": "changed"},
    "adm_cl_approve": {"id": "Setujui", "en": "Approve"},
    # uploads (snicert/uploads.py) and request bodies (snicert/web/bodies.py)
    "fee_title": {"id": "Biaya sertifikasi", "en": "Certification fees"},
    "fee_quotation": {"id": "Penawaran biaya", "en": "Quotation"},
    "fee_invoice": {"id": "Tagihan", "en": "Invoice"},
    "fee_details": {"id": "Rincian biaya", "en": "Fee details"},
    "fee_item": {"id": "Uraian", "en": "Item"},
    "fee_amount": {"id": "Biaya", "en": "Amount"},
    "fee_total": {"id": "Jumlah", "en": "Total"},
    "fee_basis": {"id": "Dasar tarif", "en": "Legal basis"},
    "fee_provisional": {
        "id": "tarif sementara, belum diverifikasi terhadap peraturan",
        "en": "provisional tariff, not yet checked against the regulation",
    },
    "fee_paid": {"id": "Lunas, dikonfirmasi", "en": "Paid, confirmed"},
    "fee_pay_by": {"id": "Bayar paling lambat", "en": "Pay by"},
    "fee_proof": {"id": "Bukti pembayaran", "en": "Proof of payment"},
    "fee_proofs": {"id": "Bukti pembayaran yang diunggah", "en": "Proofs of payment uploaded"},
    "fee_reference": {"id": "Nomor referensi transfer", "en": "Transfer reference"},
    "fee_upload_hint": {
        "id": "Setelah membayar tagihan, unggah foto atau PDF bukti transfer/kuitansi. "
        "Tinjauan dokumen dimulai setelah petugas mengonfirmasi pembayaran.",
        "en": "After paying the invoice, upload a photo or PDF of the transfer slip or "
        "receipt. The document review starts once an official confirms the payment.",
    },
    "fee_send_proof": {"id": "Kirim bukti pembayaran", "en": "Send the proof of payment"},
    "fee_v_pending": {"id": "menunggu konfirmasi petugas", "en": "awaiting an official"},
    "fee_v_confirmed": {"id": "dikonfirmasi", "en": "confirmed"},
    "fee_v_refused": {"id": "ditolak", "en": "refused"},
    "fee_worklist": {"id": "Pembayaran", "en": "Payments"},
    "fee_none_waiting": {
        "id": "Tidak ada bukti pembayaran yang menunggu.",
        "en": "No proof of payment is waiting.",
    },
    "fee_back": {"id": "Daftar pembayaran", "en": "Payments"},
    "fee_confirm_hint": {
        "id": "Dana sudah diterima sesuai tagihan: konfirmasi, dan tinjauan dokumen dimulai.",
        "en": "The amount of the invoice was received: confirm, and the document review starts.",
    },
    "fee_confirm": {"id": "Konfirmasi pembayaran", "en": "Confirm the payment"},
    "fee_refuse": {"id": "Tolak bukti pembayaran", "en": "Refuse the proof"},
    "fee_refuse_reason": {
        "id": "Alasan penolakan (dibaca pemohon)",
        "en": "Why it is refused (the applicant reads it)",
    },
    "fee_version": {"id": "versi", "en": "version"},
    "fee_effective": {"id": "berlaku sejak", "en": "in force since"},
    "fee_accept": {
        "id": "Saya telah membaca dan menyetujui perjanjian sertifikasi di atas.",
        "en": "I have read and accept the certification agreement above.",
    },
    "fee_agreement_provisional": {
        "id": "Naskah sementara, menunggu pengesahan pimpinan LSPro.",
        "en": "Provisional text, awaiting approval by the head of the LSPro.",
    },
    "agreement_required": {
        "id": "Centang persetujuan perjanjian sertifikasi untuk mengajukan permohonan.",
        "en": "Tick the acceptance of the certification agreement to submit.",
    },
    "agreement_outdated": {
        "id": "Perjanjian sertifikasi telah diperbarui; baca dan setujui versi yang berlaku.",
        "en": "The certification agreement was updated; read and accept the version in force.",
    },
    "up_empty": {"id": "Berkas kosong.", "en": "The file is empty."},
    "up_too_large": {
        "id": "Berkas melebihi batas ukuran untuk dokumen ini.",
        "en": "The file is larger than this document allows.",
    },
    "up_type": {
        "id": "Isi berkas bukan jenis yang diterima untuk dokumen ini.",
        "en": "The file's content is not a type this document accepts.",
    },
    "up_image_too_large": {
        "id": "Gambar terlalu besar (lebih dari 40 megapiksel); perkecil lalu kirim lagi.",
        "en": "The image is too large (over 40 megapixels); shrink it and send it again.",
    },
    "up_image_unreadable": {
        "id": "Gambar tidak dapat dibaca (rusak atau terpotong).",
        "en": "The image cannot be read (damaged or cut short).",
    },
    "up_pdf_unreadable": {
        "id": "Berkas bukan PDF yang dapat dibaca.",
        "en": "The file is not a readable PDF.",
    },
    "up_pdf_encrypted": {
        "id": "PDF dikunci dengan kata sandi sehingga tidak dapat diperiksa; kirim tanpa kunci.",
        "en": "The PDF is password-protected, so it cannot be checked; send it unlocked.",
    },
    "up_pdf_script": {
        "id": "PDF berisi JavaScript; kirim PDF tanpa skrip.",
        "en": "The PDF carries JavaScript; send a PDF without scripts.",
    },
    "up_pdf_launch": {
        "id": "PDF berisi perintah untuk menjalankan program; tidak diterima.",
        "en": "The PDF carries an action that starts a program; not accepted.",
    },
    "up_pdf_attachment": {
        "id": "PDF berisi berkas lampiran di dalamnya; kirim dokumennya saja.",
        "en": "The PDF carries embedded files; send the document alone.",
    },
    "ntf_title": {"id": "Notifikasi", "en": "Notifications"},
    "ntf_unread": {"id": "belum dibaca", "en": "unread"},
    "ntf_none": {"id": "Belum ada notifikasi.", "en": "No notifications yet."},
    "ntf_new": {"id": "baru", "en": "new"},
    "ntf_read_all": {"id": "Tandai semua sudah dibaca", "en": "Mark all as read"},
    "ntf_prefs": {"id": "Pengaturan notifikasi", "en": "Notification settings"},
    "ntf_channels": {"id": "Kirim notifikasi lewat", "en": "Send notifications by"},
    "ntf_inapp": {"id": "Di aplikasi ini (selalu)", "en": "In this application (always)"},
    "ntf_email": {"id": "Email", "en": "E-mail"},
    "ntf_not_configured": {
        "id": "Catatan: LSPro belum menyiapkan semua saluran; yang belum disiapkan tidak "
        "mengirim apa pun.",
        "en": "Note: the LSPro has not set up every channel; one not set up sends nothing.",
    },
    "ntf_phone_help": {
        "id": "Nomor HP Indonesia untuk WhatsApp, misalnya 0812 3456 7890.",
        "en": "An Indonesian mobile number for WhatsApp, e.g. 0812 3456 7890.",
    },
    "ntf_lang": {"id": "Bahasa pesan", "en": "Language of the messages"},
    "ntf_save": {"id": "Simpan", "en": "Save"},
    "ntf_saved": {"id": "Pengaturan tersimpan.", "en": "Settings saved."},
    "dlv_title": {"id": "Pengiriman notifikasi bermasalah", "en": "Failed notification deliveries"},
    "dlv_help": {
        "id": "Pesan email/WhatsApp yang gagal dikirim. Yang masih dicoba ulang otomatis "
        "berstatus menunggu; yang gagal dapat dikirim ulang.",
        "en": "E-mail and WhatsApp messages that could not be sent. Those still being retried "
        "are waiting; failed ones can be sent again.",
    },
    "dlv_nav": {"id": "Pengiriman gagal", "en": "Failed deliveries"},
    "dlv_none": {"id": "Tidak ada pengiriman yang gagal.", "en": "No failed deliveries."},
    "dlv_to": {"id": "Penerima", "en": "To"},
    "dlv_contact": {"id": "Pengadu (tanpa akun)", "en": "Complainant (no account)"},
    "dlv_message": {"id": "Pesan", "en": "Message"},
    "dlv_channel": {"id": "Saluran", "en": "Channel"},
    "dlv_error": {"id": "Kesalahan terakhir", "en": "Last error"},
    "dlv_attempts": {"id": "Percobaan", "en": "Attempts"},
    "dlv_next": {"id": "Coba lagi", "en": "Next try"},
    "dlv_retry": {"id": "Kirim ulang", "en": "Send again"},
    "dlv_email": {"id": "Email", "en": "E-mail"},
    "dlv_whatsapp": {"id": "WhatsApp", "en": "WhatsApp"},
    "dlv_st_pending": {"id": "menunggu percobaan ulang", "en": "waiting to retry"},
    "dlv_st_sending": {"id": "sedang dikirim", "en": "sending"},
    "dlv_st_failed": {"id": "gagal", "en": "failed"},
    "phone_bad": {
        "id": "Nomor HP tidak valid. Tulis nomor HP Indonesia, misalnya 0812 3456 7890.",
        "en": "Not a valid number. Give an Indonesian mobile number, e.g. 0812 3456 7890.",
    },
    "phone_landline": {
        "id": "Ini nomor telepon rumah/kantor. Tulis nomor HP (08...), bukan telepon rumah.",
        "en": "This is a landline. Give a mobile number (08...).",
    },
    "phone_foreign": {
        "id": "Nomor luar negeri tidak dapat dipakai. Tulis nomor HP Indonesia (+62 / 08...).",
        "en": "Foreign numbers cannot be used. Give an Indonesian mobile number (+62 / 08...).",
    },
    "phone_needed": {
        "id": "WhatsApp memerlukan nomor HP.",
        "en": "WhatsApp needs a mobile number.",
    },
    "body_too_large": {"id": "Kiriman terlalu besar.", "en": "The request is too large."},
    "body_too_large_help": {
        "id": "Berkas yang dikirim lebih dari {mb} MB. Perkecil berkasnya lalu unggah lagi.",
        "en": "The file sent is over {mb} MB. Make it smaller and upload it again.",
    },
    "exp_nav": {"id": "Ekspor BSN", "en": "BSN export"},
    "exp_title": {"id": "Ekspor data untuk BSN", "en": "Export data for BSN"},
    "exp_help": {
        "id": "Sertifikat yang terbit, dibekukan, dicabut atau kedaluwarsa dalam periode, atau "
        "permohonan yang diterima dalam periode. Tanggal dihitung dalam WITA, kedua ujung "
        "termasuk; status pada akhir periode. Setiap ekspor dicatat di log audit.",
        "en": "Certificates issued, suspended, withdrawn or expired in the period, or "
        "applications received in it. Days count in WITA, both ends included; statuses as of "
        "the end of the period. Every export is recorded in the audit log.",
    },
    "exp_what": {"id": "Data", "en": "Data"},
    "exp_certificates": {
        "id": "Sertifikat (terbit, dibekukan, dicabut, kedaluwarsa)",
        "en": "Certificates (issued, suspended, withdrawn, expired)",
    },
    "exp_applications": {"id": "Permohonan diterima", "en": "Applications received"},
    "exp_from": {"id": "Dari tanggal", "en": "From"},
    "exp_to": {"id": "Sampai tanggal (termasuk)", "en": "To (included)"},
    "exp_format": {"id": "Format berkas", "en": "File format"},
    "exp_download": {"id": "Unduh", "en": "Download"},
    "exp_err_export_not_iso": {
        "id": "Tulis tanggal sebagai TTTT-BB-HH, misalnya 2026-01-31.",
        "en": "Write the date as YYYY-MM-DD, e.g. 2026-01-31.",
    },
    "exp_err_export_no_such_day": {
        "id": "Tanggal {value} tidak ada di kalender.",
        "en": "{value} is not a day of the calendar.",
    },
    "exp_err_export_too_early": {
        "id": "Tanggal paling awal {day}.",
        "en": "The earliest date is {day}.",
    },
    "exp_err_export_future": {
        "id": "Tanggal ini setelah hari ini ({day}).",
        "en": "This date is after today ({day}).",
    },
    "exp_err_export_before_from": {
        "id": "Tanggal akhir sebelum tanggal awal ({day}).",
        "en": "The last day is before the first ({day}).",
    },
    "exp_err_export_too_long": {
        "id": "Periode paling lama 10 tahun.",
        "en": "The period may span at most 10 years.",
    },
    "exp_err_invalid": {
        "id": "Pilih salah satu yang tersedia.",
        "en": "Choose one of those offered.",
    },
    # management review (tinjauan manajemen), ISO 9001 9.3.2 inputs
    "mr_title": {"id": "Tinjauan manajemen", "en": "Management review"},
    "mr_from": {"id": "Dari tanggal", "en": "From"},
    "mr_to": {"id": "Sampai tanggal", "en": "To"},
    "mr_show": {"id": "Tampilkan", "en": "Show"},
    "mr_download": {"id": "Unduh", "en": "Download"},
    "mr_this_period": {"id": "Periode ini", "en": "This period"},
    "mr_previous_period": {"id": "Periode sebelumnya", "en": "Previous period"},
    "mr_generated": {"id": "Disusun", "en": "Compiled"},
    "mr_how_to_read": {
        "id": "Setiap angka: periode ini; di bawahnya, abu-abu, periode sebelumnya dengan "
        "panjang yang sama. Lama proses dalam hari kerja (Senin–Jumat).",
        "en": "Each figure: this period; below it, in grey, the previous period of the same "
        "length. Lead times in working days (Monday to Friday).",
    },
    "mr_a": {
        "id": "a. Status tindakan dari tinjauan manajemen sebelumnya",
        "en": "a. Status of actions from previous management reviews",
    },
    "mr_b": {
        "id": "b. Perubahan isu eksternal dan internal",
        "en": "b. Changes in external and internal issues",
    },
    "mr_c": {
        "id": "c. Kinerja dan efektivitas sistem manajemen mutu",
        "en": "c. Performance and effectiveness of the quality management system",
    },
    "mr_c1": {
        "id": "c1. Kepuasan pelanggan dan umpan balik pihak berkepentingan",
        "en": "c1. Customer satisfaction and feedback from interested parties",
    },
    "mr_c2": {
        "id": "c2. Pencapaian sasaran mutu: standar pelayanan per tahap",
        "en": "c2. Quality objectives met: the service standard per stage",
    },
    "mr_c3": {
        "id": "c3. Kinerja proses dan kesesuaian produk",
        "en": "c3. Process performance and conformity of products",
    },
    "mr_c4": {
        "id": "c4. Ketidaksesuaian dan tindakan korektif",
        "en": "c4. Nonconformities and corrective actions",
    },
    "mr_c5": {
        "id": "c5. Hasil pemantauan dan pengukuran",
        "en": "c5. Monitoring and measurement results",
    },
    "mr_c6": {"id": "c6. Hasil audit", "en": "c6. Audit results"},
    "mr_c7": {
        "id": "c7. Kinerja penyedia eksternal (laboratorium)",
        "en": "c7. Performance of external providers (the laboratory)",
    },
    "mr_d": {"id": "d. Kecukupan sumber daya", "en": "d. Adequacy of resources"},
    "mr_e": {
        "id": "e. Efektivitas tindakan terhadap risiko dan peluang",
        "en": "e. Effectiveness of actions taken to address risks and opportunities",
    },
    "mr_f": {"id": "f. Peluang perbaikan", "en": "f. Opportunities for improvement"},
    "mr_g": {
        "id": "Keputusan dan tindakan tinjauan ini",
        "en": "Decisions and actions of this review",
    },
    "mr_not_recorded": {
        "id": "Belum dicatat di sistem ini.",
        "en": "Not yet recorded in this system.",
    },
    "mr_none": {"id": "Tidak ada pada periode ini.", "en": "None in this period."},
    "mr_satisfaction": {
        "id": "Survei kepuasan masyarakat (SKM)",
        "en": "Satisfaction survey (SKM)",
    },
    "mr_respondents": {"id": "Responden", "en": "Respondents"},
    "mr_category": {"id": "Mutu pelayanan", "en": "Service quality"},
    "mr_cp_complaint_filed_certificate": {
        "id": "Pengaduan masuk: tentang sertifikat",
        "en": "Complaints filed: about a certificate",
    },
    "mr_cp_complaint_filed_lspro": {
        "id": "Pengaduan masuk: tentang LSPro",
        "en": "Complaints filed: about the LSPro",
    },
    "mr_cp_complaint_closed_upheld": {
        "id": "Pengaduan ditutup: terbukti",
        "en": "Complaints closed: upheld",
    },
    "mr_cp_complaint_closed_not_upheld": {
        "id": "Pengaduan ditutup: tidak terbukti",
        "en": "Complaints closed: not upheld",
    },
    "mr_cp_appeal_filed_refusal": {
        "id": "Banding atas penolakan",
        "en": "Appeals against a refusal",
    },
    "mr_cp_appeal_filed_suspension": {
        "id": "Banding atas pembekuan",
        "en": "Appeals against a suspension",
    },
    "mr_cp_appeal_filed_withdrawal": {
        "id": "Banding atas pencabutan",
        "en": "Appeals against a withdrawal",
    },
    "mr_cp_appeal_decided_upheld": {
        "id": "Banding diputus: keputusan tetap",
        "en": "Appeals decided: decision upheld",
    },
    "mr_cp_appeal_decided_overturned": {
        "id": "Banding diputus: keputusan dibatalkan",
        "en": "Appeals decided: decision overturned",
    },
    "mr_complaints": {"id": "Pengaduan", "en": "Complaints"},
    "mr_appeals": {"id": "Banding", "en": "Appeals"},
    "mr_site_audits": {
        "id": "Temuan audit lokasi produksi",
        "en": "Production-site audit findings",
    },
    "mr_sa_audits": {"id": "Audit lokasi produksi", "en": "Production-site audits"},
    "mr_sa_planned": {"id": "Direncanakan", "en": "Planned"},
    "mr_sa_visited": {
        "id": "Dikunjungi (laporan dibuat)",
        "en": "Visited (report made)",
    },
    "mr_sa_surveillance": {
        "id": "…di antaranya untuk surveilan",
        "en": "…of which for surveillance",
    },
    "mr_sa_passed": {"id": "Lulus", "en": "Passed"},
    "mr_sa_failed": {"id": "Gagal", "en": "Failed"},
    "mr_sa_by_grade": {"id": "Temuan per kategori", "en": "Findings by grade"},
    "mr_sa_status": {
        "id": "Temuan periode ini pada akhir periode",
        "en": "This period's findings at its end",
    },
    "mr_sa_closed": {"id": "Ditutup", "en": "Closed"},
    "mr_sa_open": {"id": "Masih terbuka", "en": "Still open"},
    "mr_sa_noted": {"id": "Observasi (dicatat)", "en": "Observations (noted)"},
    "mr_sa_open_at_end": {
        "id": "Semua temuan mayor/minor terbuka pada akhir periode",
        "en": "All major/minor findings open at the period's end",
    },
    "mr_sa_by_item": {
        "id": "Temuan per butir daftar periksa audit",
        "en": "Findings by audit checklist item",
    },
    "mr_sa_major": {"id": "Mayor", "en": "Major"},
    "mr_internal_audit": {
        "id": "Audit internal dan audit akreditasi KAN dicatat di luar sistem ini.",
        "en": "Internal audits and KAN accreditation audits are recorded outside this system.",
    },
    "mr_checklists_approved": {
        "id": "Versi daftar periksa yang disetujui pada periode ini",
        "en": "Checklist versions approved in the period",
    },
    "mr_provisional": {
        "id": "Kriteria yang masih sementara (belum diverifikasi terhadap teks standar)",
        "en": "Criteria still provisional (not verified against the standard's text)",
    },
    "mr_stage": {"id": "Tahap", "en": "Stage"},
    "mr_role": {"id": "Menunggu", "en": "Awaiting"},
    "mr_standard": {"id": "Standar (hari kerja)", "en": "Standard (working days)"},
    "mr_entered": {"id": "Masuk", "en": "Entered"},
    "mr_completed": {"id": "Selesai", "en": "Completed"},
    "mr_median": {"id": "Median (hari kerja)", "en": "Median (working days)"},
    "mr_p90": {"id": "P90 (hari kerja)", "en": "P90 (working days)"},
    "mr_on_time": {"id": "Tepat waktu", "en": "Within standard"},
    "mr_started": {"id": "Diajukan", "en": "Submitted"},
    "mr_closed": {"id": "Selesai", "en": "Closed"},
    "mr_end_to_end": {
        "id": "Lama seluruh proses (pengajuan sampai sertifikat atau penolakan)",
        "en": "End to end (submission to certificate or refusal)",
    },
    "mr_flow": {"id": "Permohonan per produk", "en": "Applications per product"},
    "mr_waiting": {
        "id": "Di mana permohonan menunggu pada akhir periode, dan untuk siapa",
        "en": "Where cases wait at the end of the period, and for whom",
    },
    "mr_count": {"id": "Jumlah", "en": "Count"},
    "mr_oldest": {"id": "Terlama (hari kerja)", "en": "Oldest (working days)"},
    "mr_longest": {"id": "Menunggu paling lama", "en": "Waiting longest"},
    "mr_since": {"id": "Sejak", "en": "Since"},
    "mr_age": {"id": "Umur (hari kerja)", "en": "Age (working days)"},
    "mr_application": {"id": "Permohonan", "en": "Application"},
    "mr_refusals": {"id": "Penolakan dan alasannya", "en": "Refusals and their reasons"},
    "mr_certificates": {"id": "Sertifikat", "en": "Certificates"},
    "mr_ev_issued": {"id": "Diterbitkan", "en": "Issued"},
    "mr_ev_suspended": {"id": "Dibekukan", "en": "Suspended"},
    "mr_ev_reinstated": {"id": "Diaktifkan kembali", "en": "Reinstated"},
    "mr_ev_withdrawn": {"id": "Dicabut", "en": "Withdrawn"},
    "mr_ev_expired": {"id": "Kedaluwarsa", "en": "Expired"},
    "mr_nc_items": {
        "id": "Ketidaksesuaian per butir daftar periksa",
        "en": "Nonconformities by checklist item",
    },
    "mr_item": {"id": "Butir", "en": "Item"},
    "mr_lab_failures": {"id": "Kegagalan uji lab per parameter", "en": "Lab failures by parameter"},
    "mr_parameter": {"id": "Parameter", "en": "Parameter"},
    "mr_tested": {"id": "Hasil terverifikasi", "en": "Verified results"},
    "mr_failed": {"id": "Tidak sesuai", "en": "Nonconform"},
    "mr_overdue": {
        "id": "Tahap yang melewati batas waktu (ditandai)",
        "en": "Stages flagged overdue",
    },
    "mr_surveillance": {"id": "Surveilans", "en": "Surveillance"},
    "mr_sv_opened": {"id": "Dibuka", "en": "Opened"},
    "mr_sv_passed": {"id": "Lulus", "en": "Passed"},
    "mr_sv_failed": {"id": "Gagal", "en": "Failed"},
    "mr_lab_retracted": {"id": "Hasil ditarik", "en": "Results retracted"},
    "mr_lab_retests": {"id": "Uji ulang diminta", "en": "Retests requested"},
    "mr_lab_rejected": {"id": "Contoh ditolak lab", "en": "Samples rejected by the lab"},
    "mr_workload": {
        "id": "Beban kerja staf (tindakan tercatat di log audit)",
        "en": "Staff workload (actions in the audit log)",
    },
    "mr_person": {"id": "Nama", "en": "Name"},
    "mr_roles": {"id": "Peran", "en": "Roles"},
    "mr_actions_n": {"id": "Tindakan", "en": "Actions"},
    "mr_by_role": {
        "id": "Per peran (orang dengan beberapa peran dihitung di tiap peran)",
        "en": "Per role (a person with several roles counts in each)",
    },
    "mr_cert_events": {"id": "Pembekuan dan pencabutan", "en": "Suspensions and withdrawals"},
    "mr_impr_stage": {
        "id": "Tahap di bawah sasaran tepat waktu",
        "en": "Stage below the on-time objective",
    },
    "mr_impr_nonconformity": {"id": "Ketidaksesuaian yang sering", "en": "Frequent nonconformity"},
    "mr_impr_lab": {"id": "Parameter yang sering gagal", "en": "Parameter failing often"},
    "mr_kind": {"id": "Jenis", "en": "Kind"},
    "mr_kind_decision": {"id": "Keputusan", "en": "Decision"},
    "mr_kind_action": {"id": "Tindakan", "en": "Action"},
    "mr_text": {"id": "Uraian", "en": "What"},
    "mr_owner": {"id": "Penanggung jawab", "en": "Owner"},
    "mr_due": {"id": "Batas waktu", "en": "Due"},
    "mr_status": {"id": "Status", "en": "Status"},
    "mr_review": {"id": "Tinjauan", "en": "Review"},
    "mr_outcome": {"id": "Hasil / keterangan", "en": "Outcome / note"},
    "mr_record": {"id": "Catat", "en": "Record"},
    "mr_mark_done": {"id": "Tandai selesai", "en": "Mark done"},
    "mr_reopen": {"id": "Buka kembali", "en": "Reopen"},
    "mr_status_open": {"id": "terbuka", "en": "open"},
    "mr_status_done": {"id": "selesai", "en": "done"},
    "mr_status_decided": {"id": "diputuskan", "en": "decided"},
    "mr_late": {"id": "terlambat", "en": "overdue"},
    "mr_no_actions": {
        "id": "Belum ada keputusan atau tindakan.",
        "en": "No decisions or actions yet.",
    },
    "mr_chart_started": {
        "id": "Permohonan diajukan per produk",
        "en": "Applications submitted per product",
    },
    "mr_chart_on_time": {
        "id": "Tahap selesai dalam standar pelayanan",
        "en": "Stages completed within the service standard",
    },
    "mr_chart_nc": {
        "id": "Ketidaksesuaian terbanyak per butir",
        "en": "Most frequent nonconformities by item",
    },
    "mr_chart_lab": {
        "id": "Kegagalan uji terbanyak per parameter",
        "en": "Most frequent lab failures by parameter",
    },
    "export_sheet_certificates": {"id": "Sertifikat", "en": "Certificates"},
    "export_sheet_applications": {"id": "Permohonan", "en": "Applications"},
    "export_sheet_about": {"id": "Keterangan", "en": "About"},
    "export_title_certificates": {
        "id": "Laporan sertifikat SPPT SNI untuk BSN",
        "en": "SPPT SNI certificates report for BSN",
    },
    "export_title_applications": {
        "id": "Laporan permohonan diterima untuk BSN",
        "en": "Applications received, report for BSN",
    },
    "export_lspro": {"id": "Lembaga sertifikasi", "en": "Certification body"},
    "export_period": {"id": "Periode", "en": "Period"},
    "export_generated": {"id": "Dibuat", "en": "Generated"},
    "export_count": {"id": "Jumlah baris", "en": "Rows"},
    "export_field": {"id": "Kolom", "en": "Column"},
    "export_field_lspro_accreditation": {
        "id": "Nomor akreditasi KAN LSPro",
        "en": "KAN accreditation number of the LSPro",
    },
    "export_field_lspro_name": {"id": "Nama LSPro", "en": "Name of the LSPro"},
    "export_field_holder_name": {
        "id": "Nama pelaku usaha (pemegang / pemohon)",
        "en": "Business holding or applying",
    },
    "export_field_nib": {
        "id": "Nomor Induk Berusaha",
        "en": "Business identification number (NIB)",
    },
    "export_field_address": {"id": "Alamat", "en": "Address"},
    "export_field_city": {"id": "Kota / kabupaten", "en": "City or regency"},
    "export_field_province": {"id": "Provinsi", "en": "Province"},
    "export_field_product_code": {"id": "Kode produk", "en": "Product code"},
    "export_field_product_name": {"id": "Nama produk", "en": "Product name"},
    "export_field_sni_number": {"id": "Nomor SNI", "en": "SNI number"},
    "export_field_sni_title": {"id": "Judul SNI", "en": "SNI title"},
    "export_field_brand": {"id": "Merek", "en": "Brand"},
    "export_field_scheme": {"id": "Skema sertifikasi", "en": "Certification scheme"},
    "export_field_event": {
        "id": "Kejadian dalam periode (terbit, dibekukan, dicabut, kedaluwarsa)",
        "en": "Event in the period (issued, suspended, withdrawn, expired)",
    },
    "export_field_event_date": {"id": "Tanggal kejadian", "en": "Date of the event"},
    "export_field_event_reason": {"id": "Alasan kejadian", "en": "Reason of the event"},
    "export_field_certificate_number": {
        "id": "Nomor sertifikat SPPT SNI",
        "en": "SPPT SNI certificate number",
    },
    "export_field_application_number": {"id": "Nomor permohonan", "en": "Application number"},
    "export_field_issued_on": {"id": "Tanggal terbit", "en": "Date of issue"},
    "export_field_valid_until": {"id": "Berlaku sampai", "en": "Valid until"},
    "export_field_status": {
        "id": "Status pada akhir periode",
        "en": "Status at the end of the period",
    },
    "export_field_status_reason": {"id": "Alasan status", "en": "Reason of the status"},
    "export_field_received_on": {
        "id": "Tanggal permohonan diterima",
        "en": "Date the application was received",
    },
    "export_field_state": {
        "id": "Tahap pada akhir periode",
        "en": "State at the end of the period",
    },
    "export_field_state_reason": {"id": "Alasan penolakan", "en": "Refusal reason"},
    "export_field_closed_on": {"id": "Tanggal selesai", "en": "Date closed"},
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "id"
    return lang if lang in LANGS else "id"


def error_text(code: str, lang: str) -> str | None:
    """The message for a page's `?error=<code>`; an unknown code shows nothing (a URL
    anyone can craft must not put its own text on the page)."""
    entry = TEXT.get(f"error_{code}") if code.isidentifier() else None
    return entry[lang] if entry else None


def reasons(items: list[tuple[str, dict[str, str]]], lang: str) -> list[str]:
    """Why someone may not act (impartiality.Reason keys and params), as people read it:
    the function's name translated."""
    out = []
    for key, params in items:
        entry = TEXT.get(key)
        if entry is None:
            out.append(key)
            continue
        values = dict(params)
        if "function" in values:
            values["function"] = TEXT.get(f"imp_fn_{values['function']}", {}).get(
                lang, values["function"]
            )
        out.append(entry[lang].format_map(_Missing(values)))
    return out


class _Missing(dict):
    """str.format_map that leaves an unknown placeholder as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def refusal(exc: Exception, lang: str) -> str:
    """A refusal as people read it: the text of its message key when it has one."""
    if (items := getattr(exc, "reasons", None)) is not None:
        return "; ".join(reasons(items, lang))
    key = getattr(exc, "key", None)
    if key in TEXT:
        value = getattr(exc, "value", None)
        text = TEXT[key][lang]
        if "{value}" in text:  # the text says where the value goes (a product's name)
            return text.replace("{value}", str(value or ""))
        shown = value and value != "***"  # a masked value (a password) tells nothing
        return text + (f" ({value})" if shown else "")
    return str(exc)


def translator(lang: str):
    def t(key: str) -> str:
        entry = TEXT.get(key)
        return entry[lang] if entry else key

    return t
