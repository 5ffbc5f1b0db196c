from django.contrib.admin.apps import AdminConfig


class ArchiveAdminConfig(AdminConfig):
    """The admin, with the editors' dashboard site instead of the default one."""

    default_site = "editorial.sites.ArchiveAdminSite"
