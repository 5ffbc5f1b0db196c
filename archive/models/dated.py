"""A record dated in EDTF, with the sortable range derived from the date."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from archive.dates import parse_date_range


class DateRangeMixin:
    """A model with an EDTF ``date`` and the sortable range derived from it, kept in step on
    every save (``update_fields`` naming ``date`` writes the range too) and checked by
    ``clean``. The derivation is ``archive.dates.parse_date_range``."""

    date: str
    date_earliest: datetime.date
    date_latest: datetime.date

    def save(self, *args: Any, **kwargs: Any) -> None:
        span = parse_date_range(self.date)
        self.date_earliest, self.date_latest = span.earliest, span.latest
        if kwargs.get("update_fields") is not None and "date" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "date_earliest", "date_latest"}
        super().save(*args, **kwargs)  # type: ignore[misc]

    def clean(self) -> None:
        super().clean()  # type: ignore[misc]
        try:
            parse_date_range(self.date)
        except ValidationError as error:
            raise ValidationError({"date": error}) from None
