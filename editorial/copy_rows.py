"""New rows written with PostgreSQL's ``COPY`` instead of ``bulk_create``'s INSERTs: the same
values, the same constraints, in the caller's transaction. Used by imports of new figures,
where writing the rows was most of the time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DatabaseError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper


def copy_supported(*, using: str = "default") -> bool:
    """Whether ``copy_create`` can write to this database: PostgreSQL through psycopg 3."""
    if connections[using].vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_create(*, objects: Sequence[models.Model], using: str = "default") -> None:
    """Insert ``objects`` (new rows of one model) as ``bulk_create`` would, through ``COPY``.

    Each object without a primary key is given the next value of the table's sequence first
    (one query for the batch), so that it keeps its pk as after ``bulk_create``; every
    concrete field's value is what Django itself would send: ``pre_save`` then
    ``get_db_prep_save``. The database checks its constraints on every copied row, and an
    error is raised as Django's (``IntegrityError``), as from an INSERT.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    pk = meta.pk
    assert pk is not None and pk.column is not None  # a concrete model's own column
    for obj in objects:
        # What bulk_create checks first: a related object saved after it was assigned.
        prepare = obj._prepare_related_fields_for_save  # type: ignore[attr-defined]
        prepare(operation_name="bulk_create")
    missing = [obj for obj in objects if obj.pk is None]
    with connection.cursor() as cursor:
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(missing)],
            )
            for obj, (value,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = value
        columns = ", ".join(quote(str(field.column)) for field in fields)  # all concrete
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        converters = [prepared_value(field, connection) for field in fields]
        try:
            # The raw psycopg cursor's errors translated as Django's cursor translates them.
            with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                for obj in objects:
                    copy.write_row([convert(obj) for convert in converters])
        except DatabaseError as error:
            raise without_copy_context(error) from error.__cause__
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using


def without_copy_context(error: DatabaseError) -> DatabaseError:
    """The error as an INSERT of the row would have raised it: without the CONTEXT line that
    names COPY's own line number and repeats the whole row in COPY's format."""
    message = str(error)
    marker = "\nCONTEXT:  COPY "
    if marker in message:
        message = message[: message.rindex(marker)]
    return type(error)(message)


# Values whose conversion depends on nothing but the value itself (and the field).
_PLAIN = (str, int, type(None))


def prepared_value(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[models.Model], object]:
    """What the database receives for ``field`` of an object: ``field.pre_save(obj, True)``
    then ``field.get_db_prep_save``, as an INSERT sends it. The same plain value (text, a
    whole number, None) converts the same way every time: each is converted once by Django
    and remembered for the batch, as most columns repeat a few values (a default, a measure,
    the empty text)."""
    plain_pre_save = type(field).pre_save is models.Field.pre_save
    attname = field.attname
    prepare = field.get_db_prep_save
    done: dict[tuple[type, object], object] = {}

    def convert(obj: models.Model) -> object:
        value = getattr(obj, attname) if plain_pre_save else field.pre_save(obj, True)
        if type(value) not in _PLAIN:
            return prepare(value, connection)
        key = (type(value), value)
        try:
            return done[key]
        except KeyError:
            done[key] = converted = prepare(value, connection)
            return converted

    return convert
