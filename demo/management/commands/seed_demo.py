from django.core.management.base import BaseCommand

from demo.data import PASSWORD
from demo.links import demo_patient_links
from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo practices, users (password 'loopbaan-demo'), patients and referrals."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-documents",
            dest="documents",
            action="store_false",
            help="Skip rendering the letters and reports (faster; for tests).",
        )
        parser.add_argument(
            "--new-fhir-secret",
            action="store_true",
            help="Give the demo FHIR client a new secret (the old one stops working).",
        )

    def handle(self, *args, documents: bool = True, **options) -> None:
        counts = seed_demo(documents=documents, new_fhir_secret=options["new_fhir_secret"])
        client_id, secret = counts.pop("fhir_client")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(f"Sign in with e.g. huisarts@example.org / {PASSWORD}")
        for line in demo_patient_links():
            self.stdout.write(line)
        self.stdout.write(
            "Demo users sign in with the password alone: they hold no authenticator app or "
            "passkey. Production asks for one of them after the password (docs/user-guide.md)."
        )
        self.stdout.write(
            f"FHIR client of the first practice (docs/fhir.md): client id {client_id}"
        )
        if secret:
            self.stdout.write(f"  client secret {secret}  (shown once; stored hashed)")
        else:
            self.stdout.write(
                "  its secret was shown when it was made; --new-fhir-secret makes a new one"
            )
