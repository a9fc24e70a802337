"""Dutch for the running log (looplogboek), builder runlog."""
# ruff: noqa: E501

NL = {
    # Borg's anchors of the 6-20 scale, in the Dutch wording of the Borgschaal (therapy.running_log)
    "No exertion at all": "Helemaal geen inspanning",
    "Extremely light": "Extreem licht",
    "Very light": "Zeer licht",
    "Light": "Licht",
    "Somewhat hard": "Redelijk zwaar",
    "Hard (heavy)": "Zwaar",
    "Very hard": "Zeer zwaar",
    "Extremely hard": "Extreem zwaar",
    "Maximal exertion": "Maximale inspanning",
    # The model
    "how it felt (Borg 6-20)": "hoe het voelde (Borg 6-20)",
    "note": "notitie",
    "entered by the patient": "ingevuld door de patiënt",
    "entered by": "ingevoerd door",
    "patient link": "patiëntlink",
    "entered": "ingevoerd",
    "running log entry": "looplogboekregel",
    "running log entries": "looplogboekregels",
    # The rules
    "The running log is open while the therapy runs.": "Het looplogboek is open zolang de therapie loopt.",
    "Enter the date of the run.": "Vul de datum van het lopen in.",
    "The date of the run cannot be in the future.": "De datum van het lopen kan niet in de toekomst liggen.",
    "The date of the run cannot be before the start of the therapy on %(start)s.": "De datum van het lopen kan niet voor de start van de therapie op %(start)s liggen.",
    "Enter how many minutes you ran or walked.": "Vul in hoeveel minuten u hebt hardgelopen of gewandeld.",
    "Choose how it felt: a number from 6 to 20.": "Kies hoe het voelde: een getal van 6 tot en met 20.",
    "Please keep the note under 2000 characters.": "Houd de notitie onder de 2000 tekens.",
    "Only the patient's own running therapist can do this.": "Alleen de eigen runningtherapeut van de patiënt kan dit doen.",
    # The form
    "Enter the date as dd-mm-yyyy, for example 27-11-2026.": "Vul de datum in als dd-mm-jjjj, bijvoorbeeld 27-11-2026.",
    "dd-mm-yyyy": "dd-mm-jjjj",
    "Date of the run": "Datum van het lopen",
    "Minutes running": "Minuten hardlopen",
    "Minutes walking": "Minuten wandelen",
    "Walking counts too: 0 if you ran all the way.": "Wandelen telt ook mee: 0 als u de hele tijd hebt hardgelopen.",
    "How did it feel?": "Hoe voelde het?",
    "6 is no exertion at all, 13 somewhat hard, 20 maximal exertion.": "6 is helemaal geen inspanning, 13 redelijk zwaar, 20 maximale inspanning.",
    "Note (optional)": "Notitie (niet verplicht)",
}
