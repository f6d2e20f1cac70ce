from pact_tracker import create_app

app = create_app()
