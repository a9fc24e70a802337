"""The ICPC-1 codes a GP may put on a referral: the main complaint and any secondary ones.

The GP picks the code; the letter and the pages print the code and its label exactly as chosen.
Nothing here maps a complaint to a code (or a symptom to a disorder): the stored value *is* the
ICPC code.

Source: ICPC-1, the Dutch translation published by the NHG (NHG-Tabel 24 "ICPC", version 9,
April 2021; https://www.nhg.org/themas/artikelen/icpc, searchable with the NHG's online
ICPC-zoeker; the international level, chapter and rubric, is WONCA's). The English labels
follow WONCA's ICPC-1 rubric titles (P78 with the Dutch meaning added), the Dutch ones
(locale/nl) are the NHG's titles as Dutch GP systems show them. The NHG table itself is
licensed and was not in the reference text we could search; the codes and their level
(01-29 symptoms and complaints, 70-99 disorders) are confirmed by the NHG's ICPC page and by
CBS ("Diagnose(groep) bij statistiek huisartscontacten"), P74's English title by WONCA's
ICPC as HL7 publishes it, "depressief gevoel" (P03) and "angstig gevoel" (P01) as symptom
codes by the Transitieproject's use (Van Boven and Uijen, Bijblijven 2018). A GP reviewer
must check the Dutch titles against the current ICPC-zoeker before release (P06 and P78 are
the least certain); change them in locale/nl only.

Symptom codes (P01-P29) say what the patient has; disorder codes (P70-P99) say what the GP
diagnosed. Dutch GPs code "no higher than they can prove": a referral for depressive complaints
is P03, not P76.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Icpc(models.TextChoices):
    """The ICPC-1 rubrics offered on the referral, symptoms first, then disorders."""

    # Symptoms and complaints (01-29)
    P01 = "P01", _("Feeling anxious/nervous/tense")
    P02 = "P02", _("Acute stress reaction")
    P03 = "P03", _("Feeling depressed")
    P06 = "P06", _("Sleep disturbance")
    P29 = "P29", _("Psychological symptoms/complaints, other")
    # Disorders (70-99): only when the GP has made the diagnosis.
    P74 = "P74", _("Anxiety disorder/anxiety state")
    P76 = "P76", _("Depressive disorder")
    P78 = "P78", _("Neurasthenia/surmenage (overstrain, burn-out)")


#: Codes of disorders: the form says so beside them.
DISORDERS = frozenset({Icpc.P74, Icpc.P76, Icpc.P78})


def icpc_entry(code: str) -> dict:
    """A code with its label, as printed: {"code": "P03", "label": "..."}.

    A stored value that is not a known code is printed as it is, with no label: it is never
    turned into a code the GP did not choose.
    """
    try:
        return {"code": code, "label": Icpc(code).label}
    except ValueError:
        return {"code": code, "label": ""}


def icpc_choice_label(code: Icpc) -> str:
    """What the GP sees in the form: "P03 Feeling depressed" (in their language)."""
    return f"{code.value} {code.label}"


def secondary_codes(main: str, others: list[str] | None) -> list[str]:
    """The secondary codes in the order chosen, without the main code and without repeats."""
    return [code for code in dict.fromkeys(others or []) if code and code != main]
