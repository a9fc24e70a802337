"""How long free text may be, and the database agreeing with it.

Found by the attacker: free text had no limit; a 1 MB report took 12 s to render and made a
191-page PDF. Each TextField now has a `max_length` (forms check it, with Django's own message
next to the field, and the browser stops typing at it), and `length_checked` adds a CHECK
constraint per such field, so text that bypasses the forms is refused by the database too.
"""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

#: A reason, a note, a question: a paragraph or two.
REASON = 2000
#: The narrative fields (history, goals, a letter's summary): about two printed pages at most.
TEXT = 5000


def length_checked(model: type[models.Model]) -> type[models.Model]:
    """A class decorator: a CHECK (length <= max_length) for each TextField with a max_length."""
    checks = [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field.name), field.max_length),
            name=f"{model._meta.db_table}_{field.name}_length"[:63],
        )
        for field in model._meta.local_fields
        if isinstance(field, models.TextField) and field.max_length
    ]
    model._meta.constraints = [*model._meta.constraints, *checks]
    # The migration state reads the constraints from the options the class was declared with.
    model._meta.original_attrs["constraints"] = model._meta.constraints
    return model
