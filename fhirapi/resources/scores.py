"""QuestionnaireResponse (PHQ-9, GAD-7 with LOINC item and answer codes) and Observation (the
total with its band, and PHQ-9 item 9 on its own: thoughts of death or self-harm).

Source of the codes: LOINC (loinc.org), panels 44249-1 "PHQ-9 quick depression assessment"
(items 44250-9 ... 44260-8, total 44261-6) and 69737-5 "Generalized anxiety disorder 7 item"
(items 69725-0 ... 69736-7, total 70274-6), answer list LL358-3 (LA6568-5 not at all,
LA6569-3 several days, LA6570-1 more than half the days, LA6571-9 nearly every day), as HL7's
US Core PHQ-9 example QuestionnaireResponse uses them. The items' order is the instruments'
(outcomes.instruments).
"""

from django.db.models import QuerySet

from outcomes.instruments import FREQUENCY_OPTIONS, INSTRUMENTS
from outcomes.models import QuestionnaireResponse

from ..registry import ResourceType, SearchError, SearchParam, register
from ..scope import referrals_for_client
from .common import patient_params

LOINC = "http://loinc.org"
PANELS = {
    "PHQ-9": {
        "panel": ("44249-1", "PHQ-9 quick depression assessment panel"),
        "items": (
            "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
            "44258-2", "44252-5", "44253-3", "44260-8",
        ),
        "total": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
    },
    "GAD-7": {
        "panel": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        "items": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
        "total": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
    },
}  # fmt: skip
ITEM_9 = ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself")
ANSWERS = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
BAND_SYSTEM = "urn:loopbaan:fhir:severity-band"


def score_rows(client) -> QuerySet[QuestionnaireResponse]:
    referrals = referrals_for_client(client).values("pk")
    return QuestionnaireResponse.objects.filter(referral__in=referrals).select_related(
        "referral", "entered_by"
    )


def _answer(score: int) -> dict:
    return {
        "valueCoding": {
            "system": LOINC,
            "code": ANSWERS[score],
            "display": str(FREQUENCY_OPTIONS[score]),
        }
    }


def questionnaire_response_resource(row: QuestionnaireResponse, base: str) -> dict:
    panel = PANELS[row.instrument]
    instrument = INSTRUMENTS[row.instrument]
    items = [
        {
            "linkId": code,
            "definition": f"{LOINC}/{code}",
            "text": str(text),
            "answer": [_answer(int(score))],
        }
        for code, text, score in zip(panel["items"], instrument.items, row.answers, strict=False)
    ]
    items.append(
        {
            "linkId": panel["total"][0],
            "text": panel["total"][1],
            "answer": [{"valueInteger": row.total}],
        }
    )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.pk),
        "meta": {"lastUpdated": row.created_at.isoformat()},
        "questionnaire": f"{LOINC}/q/{panel['panel'][0]}",
        "status": "completed",
        "basedOn": [{"reference": f"ServiceRequest/{row.referral_id}"}],
        "subject": {"reference": f"Patient/{row.referral.patient_id}"},
        "authored": row.completed_on.isoformat(),
        "author": {"reference": f"Practitioner/{row.entered_by_id}"},
        "item": items,
    }


def _observation(row: QuestionnaireResponse, suffix: str, code: tuple[str, str]) -> dict:
    return {
        "resourceType": "Observation",
        "id": f"{row.pk}-{suffix}",
        "meta": {"lastUpdated": row.created_at.isoformat()},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}]},
        "subject": {"reference": f"Patient/{row.referral.patient_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{row.referral_id}"}],
        "effectiveDateTime": row.completed_on.isoformat(),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{row.pk}"}],
    }


def observation_resources(row: QuestionnaireResponse, base: str) -> list[dict]:
    """The total (its band as the interpretation, with the week of therapy), and for PHQ-9 item
    9 as its own Observation: a score above 0 is a safety alert (outcomes.alerts)."""
    panel = PANELS[row.instrument]
    instrument = INSTRUMENTS[row.instrument]
    labels = {band: label for _upper, band, label in instrument.bands}
    total = _observation(row, "total", panel["total"])
    total["valueInteger"] = row.total
    total["interpretation"] = [
        {
            "coding": [{"system": BAND_SYSTEM, "code": row.band}],
            "text": str(labels.get(row.band, row.band)),
        }
    ]
    total["note"] = [{"text": f"week {row.week}"}]
    found = [total]
    if row.instrument == "PHQ-9" and len(row.answers) >= 9:
        item = _observation(row, "item9", ITEM_9)
        score = int(row.answers[8])
        item["valueCodeableConcept"] = {
            "coding": [{"system": LOINC, "code": ANSWERS[score]}],
            "text": f"{score}: {FREQUENCY_OPTIONS[score]}",
        }
        found.append(item)
    return found


def observation_lookup(resource_id: str) -> dict | None:
    pk, _dash, suffix = resource_id.partition("-")
    if suffix not in ("total", "item9") or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    return {"pk": int(pk)}


def by_code(queryset: QuerySet, value: str) -> QuerySet:
    """code=http://loinc.org|44261-6 (a total) or |44260-8 (item 9): the questionnaires that
    have it."""
    system, code = value.split("|", 1) if "|" in value else (None, value)
    if system not in (None, LOINC):
        return queryset.none()
    instruments = [name for name, panel in PANELS.items() if code == panel["total"][0]]
    if code == ITEM_9[0]:
        instruments = ["PHQ-9"]
    if not code:
        raise SearchError("code needs a LOINC code, e.g. http://loinc.org|44261-6")
    return queryset.filter(instrument__in=instruments)


def only_asked_codes(resources: list[dict], query) -> list[dict]:
    """A questionnaire brings all its Observations; `code=` keeps those with the code asked."""
    asked = {value.rsplit("|", 1)[-1] for value in query.getlist("code")}
    if not asked:
        return resources
    return [r for r in resources if r["code"]["coding"][0]["code"] in asked]


def by_questionnaire(queryset: QuerySet, value: str) -> QuerySet:
    names = [n for n, p in PANELS.items() if value.endswith(p["panel"][0])]
    return queryset.filter(instrument__in=names)


PATIENT = patient_params("referral__patient")

register(
    ResourceType(
        name="QuestionnaireResponse",
        rows=score_rows,
        to_fhir=questionnaire_response_resource,
        patient_id=lambda row: row.referral.patient_id,
        part="questionnaire",
        search_params=(
            *PATIENT,
            SearchParam(
                "questionnaire",
                "reference",
                "http://loinc.org/q/44249-1 or .../69737-5",
                by_questionnaire,
            ),
        ),  # fmt: skip
        last_updated="created_at",
        documentation="PHQ-9 and GAD-7 with LOINC item and answer codes.",
    )
)
register(
    ResourceType(
        name="Observation",
        rows=score_rows,
        to_fhir=observation_resources,
        patient_id=lambda row: row.referral.patient_id,
        part="questionnaire",
        search_params=(
            *PATIENT,
            SearchParam("code", "token", "LOINC: 44261-6, 70274-6, 44260-8", by_code),
        ),
        lookup=observation_lookup,
        expand=True,
        refine=only_asked_codes,
        last_updated="created_at",
        documentation="Totals with their band, and PHQ-9 item 9; _count counts questionnaires.",
    )
)
