"""The bases the admin's mixins name for the type checker.

At run time each mixin is a plain class that a ``ModelAdmin`` (or an inline) lists before its
Django base; the type checker reads it as that admin, so ``self.admin_site``, ``super()`` and
the methods it overrides are checked against Django's own signatures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin, ModelAdmin

    from archive.models import IncidentVersion

    AdminMixin = ModelAdmin[Any]  # mixed into the admin of any model
    RelationsMixin = BaseModelAdmin[Any]  # into a ModelAdmin or an inline
    InlineMixin = InlineModelAdmin[Any, Any]  # into an inline
    VersionAdminMixin = ModelAdmin[IncidentVersion]  # into the incident versions' admin
else:
    AdminMixin = object
    RelationsMixin = object
    InlineMixin = object
    VersionAdminMixin = object


def signed_in(request: HttpRequest) -> User:
    """The person using the admin: every admin view requires a staff login first."""
    user = request.user
    assert isinstance(user, User)
    return user
