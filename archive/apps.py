from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        # The models and what imports them load once the app registry is ready, not before.
        from archive import models, receivers, search

        # Accent-insensitive matching in the database (search.Fold) needs fold() on SQLite.
        connection_created.connect(search.add_fold_function, dispatch_uid="archive-fold")

        # Reference records are shared by published incidents and edited in place, so a
        # change to one changes public pages: the cached pages must go.
        for model in (
            models.Source,
            models.Place,
            models.Actor,
            models.Category,
            models.Context,
            models.VictimGroup,
            models.Proceeding,
        ):
            post_save.connect(
                receivers.reference_changed, sender=model, dispatch_uid=f"cache-{model}"
            )
            post_delete.connect(
                receivers.reference_changed, sender=model, dispatch_uid=f"cache-d-{model}"
            )
        m2m_changed.connect(
            receivers.proceeding_links_changed,
            sender=models.Proceeding.incidents.through,
            dispatch_uid="cache-proceeding-incidents",
        )
        # Deleting a figure or a citation is a superuser's act outside the workflow (incidents
        # and versions are protected by their history); it must still not leave a page
        # showing what is gone.
        for content in (models.Estimate, models.Citation):
            post_delete.connect(
                receivers.published_content_deleted,
                sender=content,
                dispatch_uid=f"cache-d-{content}",
            )
