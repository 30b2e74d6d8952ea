from clinicreads.app import create_app

app = create_app()
