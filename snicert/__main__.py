from snicert.cli import app

app()
