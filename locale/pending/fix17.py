# ruff: noqa: E501
NL = {
    "Correct the follow-up": "Nacontrole corrigeren",
    "Correct the follow-up of %(name)s": "Nacontrole van %(name)s corrigeren",
    "The follow-up as you recorded it. You can correct it until %(until)s; the old values stay on the referral's timeline.": "De nacontrole zoals u hem vastlegde. U kunt hem corrigeren tot en met %(until)s; de oude waarden blijven op de tijdlijn van de verwijzing staan.",
    "Only the GP who recorded the follow-up can correct it.": "Alleen de huisarts die de nacontrole vastlegde, kan hem corrigeren.",
    "The follow-up was recorded more than %(days)d days ago (until %(until)s): it can no longer be corrected.": "De nacontrole is meer dan %(days)d dagen geleden vastgelegd (tot en met %(until)s): hij kan niet meer worden gecorrigeerd.",
    "Percentage (%)": "Percentage (%)",
    "Addendum to the %(letter)s of %(date)s": "Aanvulling op de %(letter)s van %(date)s",
}
