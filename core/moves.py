"""Moving a model to another app without touching its table: the content type goes along.

Used by the migrations that gave each concern its own app (therapy, notifications, dashboard):
the models' tables and rows stay where they are (SeparateDatabaseAndState, `db_table`), and
the content type rows follow the models, so permissions granted on them and admin log entries
keep pointing at the right model. A renamed model's permissions get the new codenames.
"""

from django.db import migrations


def move_content_types(new_app: str, moves: list[tuple[str, str, str]]) -> migrations.RunPython:
    """A RunPython that relabels (old_app, old_model) to (new_app, new_model) for each move."""

    def forwards(apps, schema_editor) -> None:
        _move(apps, [(old_app, old, new_app, new) for old_app, old, new in moves])

    def backwards(apps, schema_editor) -> None:
        _move(apps, [(new_app, new, old_app, old) for old_app, old, new in moves])

    return migrations.RunPython(forwards, backwards)


def _move(apps, moves: list[tuple[str, str, str, str]]) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    for from_app, from_model, to_app, to_model in moves:
        found = content_type_model.objects.filter(app_label=from_app, model=from_model).first()
        if found is None:  # a new database: content types are made after migrating
            continue
        if content_type_model.objects.filter(app_label=to_app, model=to_model).exists():
            continue
        found.app_label, found.model = to_app, to_model
        found.save(update_fields=["app_label", "model"])
        if from_model != to_model:
            for permission in permission_model.objects.filter(content_type=found):
                action, _sep, _rest = permission.codename.partition("_")
                permission.codename = f"{action}_{to_model}"
                permission.save(update_fields=["codename"])
