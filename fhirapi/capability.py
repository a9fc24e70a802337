"""The CapabilityStatement, written from the registry that serves the requests: what it lists
is what answers (tests/test_fhir_read.py walks it)."""

from django.utils import timezone

from .models import SCOPES
from .registry import RESOURCE_TYPES, SYSTEM_INTERACTIONS


def capability_statement(base: str) -> dict:
    resources = []
    for resource_type in sorted(RESOURCE_TYPES.values(), key=lambda r: r.name):
        entry = {
            "type": resource_type.name,
            "interaction": [{"code": code} for code in resource_type.interactions],
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in resource_type.search_params
            ],
        }
        if resource_type.profile:
            entry["profile"] = resource_type.profile
        if resource_type.documentation:
            entry["documentation"] = resource_type.documentation
        if not entry["searchParam"]:
            del entry["searchParam"]
        resources.append(entry)
    rest = {
        "mode": "server",
        "documentation": "Loopbaan's referrals to running therapy; see docs/fhir.md.",
        "security": {
            "extension": [
                {
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [{"valueUri": f"{base}oauth/token/", "url": "token"}],
                }
            ],
            "service": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                            "code": "OAuth",
                        }
                    ]
                }
            ],
            "description": "OAuth 2.0 client credentials; scopes: " + ", ".join(sorted(SCOPES)),
        },
        "resource": resources,
        "searchParam": [
            {"name": "_lastUpdated", "type": "date"},
            {"name": "_count", "type": "number"},
        ],
    }
    if SYSTEM_INTERACTIONS:
        rest["interaction"] = [
            {"code": code, "documentation": text} for code, text in SYSTEM_INTERACTIONS.items()
        ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Loopbaan",
        "kind": "instance",
        "software": {"name": "Loopbaan"},
        "implementation": {"description": "Loopbaan FHIR interface", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [rest],
    }
