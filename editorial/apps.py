from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = _("Editorial")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from archive.submissions import submission_received
        from editorial.logins import log_locked_out, log_login_failed
        from editorial.notifications import submission_received_notify

        user_login_failed.connect(log_login_failed, dispatch_uid="editorial-login-failed")
        user_locked_out.connect(log_locked_out, dispatch_uid="editorial-locked-out")
        submission_received.connect(
            submission_received_notify, dispatch_uid="editorial-submission-received"
        )
