"""Bulk import through the documented format: exact errors, all or nothing, round trips."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from import_export.resources import ModelResource

from archive.models import (
    Citation,
    Estimate,
    Incident,
    IncidentVersion,
    Source,
    State,
    estimate_ref,
)
from editorial.models import Action, HistoryEntry
from editorial.resources import (
    ActorResource,
    CitationResource,
    EstimateResource,
    IncidentResource,
    PlaceResource,
    ProceedingResource,
    SourceResource,
)
from editorial.uploads import open_import
from tests.factories import make_draft, make_published, make_source

INCIDENT_HEADER = (
    "slug,title,summary,description,date,date_text,places,categories,"
    "perpetrators,victim_groups,context\n"
)
ESTIMATE_HEADER = (
    "ref,incident,measure,low,best,high,qualifier,as_written,claimant,"
    "claim_year,assessment,assessment_reason,source,locator,quote\n"
)
INCIDENT_ROW = (
    "katyn-massacre,Katyn massacre,Officers were shot.,,1940-04/1940-05,"
    "April and May 1940,Katyn|Smolensk,massacre|Killing of prisoners of war,NKVD,"
    "Polish prisoners of war,World War II\n"
)


def run_import(
    tmp_path, resource: str, text: str | bytes, name: str = "file.csv", dry_run: bool = False
) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    out, err = io.StringIO(), io.StringIO()
    args = [f"editorial.resources.{resource}", str(path), "--no-input"]
    call_command("import", *args, *(["--dry-run"] if dry_run else []), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def refused(tmp_path, resource: str, text: str | bytes, name: str = "file.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            f"editorial.resources.{resource}",
            str(path),
            "--no-input",
            stdout=io.StringIO(),
            stderr=err,
        )
    return f"{error.value}\n{err.getvalue()}"


def errors_of(tmp_path, resource: str, text: str, capsys=None) -> str:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import",
            f"editorial.resources.{resource}",
            str(path),
            "--no-input",
            stderr=err,
            stdout=io.StringIO(),
        )
    return err.getvalue()


@pytest.fixture
def katyn_source(db):
    return make_source("naimark-1995")


@pytest.fixture
def katyn(tmp_path, db):
    run_import(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW)
    return Incident.objects.get(slug="katyn-massacre")


def estimates_file(*rows: str) -> str:
    return ESTIMATE_HEADER + "".join(row + "\n" for row in rows)


GOOD_ESTIMATE = (
    'katyn-1,katyn-massacre,killed,,21857,,exact,"21,857",NKVD records,1940,,,naimark-1995,p. 5,'
)


@pytest.mark.django_db
def test_incident_import_creates_a_draft_and_linked_records(katyn):
    version = katyn.versions.get()
    assert version.state == State.DRAFT and version.number == 1
    assert sorted(version.places.values_list("name", flat=True)) == ["Katyn", "Smolensk"]
    assert sorted(version.categories.values_list("slug", flat=True)) == [
        "killing-of-prisoners-of-war",
        "massacre",
    ]
    assert version.context.name == "World War II"


@pytest.mark.django_db
def test_importing_the_same_files_twice_changes_nothing(tmp_path, katyn, katyn_source):
    run_import(tmp_path, "EstimateResource", estimates_file(GOOD_ESTIMATE))
    history = HistoryEntry.objects.count()
    first = run_import(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW)
    second = run_import(tmp_path, "EstimateResource", estimates_file(GOOD_ESTIMATE))
    assert "0 new, 0 updated, 1 unchanged" in first
    assert "0 new, 0 updated, 1 unchanged" in second
    assert HistoryEntry.objects.count() == history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "katyn-1,katyn-massacre,killed,3000,,44,,x,c,,,,naimark-1995,,",
            "row 3, column `low`: Low (3,000) is above high (44). Low ≤ best ≤ high: swap them, "
            "or check for a mistyped digit.",
        ),
        (
            "katyn-1,katyn-massacre,killed,,-5,,,x,c,,,,naimark-1995,,",
            "row 3, column `best`: '-5' is negative; figures count people, so enter 0 or more",
        ),
        (
            "katyn-1,katyn-massacre,killed,,,about 1000,,x,c,,,,naimark-1995,,",
            "row 3, column `high`: 'about 1000' is not a whole number; put 1000 in `high`, about "
            "in `qualifier` and 'about 1000' in `as_written`",
        ),
        (
            "katyn-1,no-such-incident,killed,,5,,,x,c,,,,naimark-1995,,",
            "row 3, column `incident`: 'no-such-incident' is not a known incident slug; import the "
            "incident first or check the spelling",
        ),
        (
            "katyn-1,katyn-massacre,killed,,5,,,x,c,,,,nobody-2000,,",
            "row 3, column `source`: 'nobody-2000' is not a known source key; add it first or "
            "check the spelling",
        ),
        (
            "katyn-1,katyn-massacre,shot,,5,,,x,c,,,,naimark-1995,,",
            "row 3, column `measure`: 'shot' is not one of killed, died, died_in_custody, "
            "deported, raped, injured, missing, captured, affected",
        ),
        (
            "katyn-1,katyn-massacre,killed,,5,,sometimes,x,c,,,,naimark-1995,,",
            "row 3, column `qualifier`: 'sometimes' is not one of exact, about, at_least, over, "
            "at_most, up_to",
        ),
        (
            "katyn-1,katyn-massacre,killed,,5,,,x,c,,rejected,,naimark-1995,,",
            "row 3, column `assessment_reason`: Say why this estimate is rejected",
        ),
        (
            "katyn-1,katyn-massacre,killed,,5,,,,c,,,,naimark-1995,,",
            "row 3, column `as_written`: This field cannot be blank.",
        ),
        (
            f"katyn-1,katyn-massacre,killed,,5,,,x,{'c' * 301},,,,naimark-1995,,",
            "row 3, column `claimant`: this text has 301 characters and the column holds at "
            "most 300; shorten it",
        ),
        (
            "katyn-1,katyn-massacre,killed,,5,,,x,c,,,,naimark-1995,p. 5\x00,",
            "row 3, column `locator`: this text holds a NUL character (\\x00), which cannot be "
            "stored",
        ),
    ],
)
def test_bad_estimate_rows_get_their_exact_error_and_nothing_is_written(
    tmp_path, katyn, katyn_source, row, message
):
    good_first = "katyn-0,katyn-massacre,killed,,5,,,5,c,,,,naimark-1995,,"
    output = errors_of(tmp_path, "EstimateResource", estimates_file(good_first, row))
    assert message in output
    assert not Estimate.objects.exists()  # the good row was rolled back too


@pytest.mark.django_db
def test_figures_in_any_scripts_digits_are_read_as_numbers(tmp_path, katyn, katyn_source):
    row = "katyn-1,katyn-massacre,killed,,\u0662\u0661\u0668\u0665\u0667,,,x,c,,,,naimark-1995,,"
    run_import(tmp_path, "EstimateResource", estimates_file(row))
    assert Estimate.objects.get(ref="katyn-1").best == 21857


def test_new_estimates_share_only_immutable_defaults():
    """``EstimateResource.init_instance`` builds every row from one list of defaults."""
    for field in Estimate._meta.concrete_fields:
        assert not field.has_default() or not callable(field.default), field.name
        assert isinstance(field.get_default(), str | int | type(None)), field.name


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_rows", ["2000", "1"])
def test_changing_a_published_incidents_figures_opens_one_draft_and_unverifies_the_change(
    tmp_path, chunk_rows
):
    published = make_published("katyn-massacre")
    make_source("naimark-1995")
    ref = "katyn-massacre-killed-1"
    verified = published.estimates.get(ref=ref)
    assert verified.verification == "verified"
    run_chunked(
        tmp_path,
        estimates_file(
            GOOD_ESTIMATE,
            f"{ref},katyn-massacre,killed,,22000,,about,about 22000,NKVD records,,,,naimark-1995,,",
        ),
        chunk_rows=chunk_rows,
    )

    draft = published.incident.versions.get(state=State.DRAFT)
    changed = draft.estimates.get(ref=ref)
    assert (changed.best, changed.verification, changed.verified_by) == (22000, "unverified", None)
    assert draft.estimates.get(ref="katyn-1").best == 21857
    verified.refresh_from_db()
    assert (verified.version_id, verified.verification) == (published.pk, "verified")
    assert verified.best != 22000
    imports = HistoryEntry.objects.filter(action="import")
    assert list(imports.values_list("version_id", flat=True)) == [draft.pk]


@pytest.mark.django_db
def test_an_xlsx_file_with_number_and_empty_cells_imports(tmp_path, katyn, katyn_source):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ESTIMATE_HEADER.strip().split(","))
    row = ["katyn-1", "katyn-massacre", "Killed", None, 21857, None, None, "21,857"]
    sheet.append([*row, "NKVD records", 1940, None, None, "naimark-1995", "p. 5", None])
    workbook.save(tmp_path / "estimates.xlsx")

    output = run_import(
        tmp_path, "EstimateResource", (tmp_path / "estimates.xlsx").read_bytes(), "estimates.xlsx"
    )

    assert "1 new" in output
    estimate = Estimate.objects.get(ref="katyn-1")
    assert (estimate.measure, estimate.best, estimate.claim_year) == ("killed", 21857, 1940)
    assert (estimate.qualifier, estimate.assessment, estimate.quote) == ("exact", "accepted", "")


def xlsx_values(path) -> tuple[list, list[list]]:
    """The header and rows of ``path``'s active sheet as the importer reads them."""
    with open_import(path.name, path.open("rb")) as chunks:
        return chunks.headers, [list(row) for chunk in chunks for row in chunk]


def openpyxl_values(path) -> tuple[list, list[list]]:
    """The same, as openpyxl reads them (read-only, saved values), blank rows left out."""
    from openpyxl import load_workbook

    rows = [
        [cell.value for cell in row]
        for row in load_workbook(path, read_only=True, data_only=True).active.rows
    ]
    rows = [row for row in rows if any(value is not None for value in row)]
    return rows[0], rows[1:]


def test_an_xlsx_file_reads_as_openpyxl_reads_it(tmp_path):
    """Numbers, dates by their style, booleans and text come out as openpyxl gives them, from
    the sheet the workbook shows first; blank rows are left out."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "notes"
    workbook.active["A1"] = "not this sheet"
    sheet = workbook.create_sheet("data")
    sheet.append(["key", "number", "decimal", "date", "when", "flag", "text"])
    sheet.append(["a", 21857, 12.5, date(1940, 4, 3), datetime(1941, 6, 22, 3, 15), True, "Łódź"])
    sheet.append([None] * 7)
    sheet.append(["b", 10**20, -3, None, None, False, "“quoted”, with a comma"])
    workbook.active = 1
    workbook.save(tmp_path / "values.xlsx")

    headers, rows = xlsx_values(tmp_path / "values.xlsx")

    assert (headers, rows) == openpyxl_values(tmp_path / "values.xlsx")
    assert rows[0][1:6] == [21857, 12.5, datetime(1940, 4, 3), datetime(1941, 6, 22, 3, 15), True]


def test_shared_and_rich_text_strings_read_as_openpyxl_reads_them(tmp_path):
    from tests.editorial import bombs

    strings = (
        f'<sst xmlns="{bombs.MAIN}"><si><t>key</t></si><si><t>title</t></si>'
        "<si><r><t>Łódź </t></r><r><rPr><b/></rPr><t>ghetto</t></r>"
        '<rPh sb="0" eb="1"><t>phonetic, not text</t></rPh></si>'
        '<si><t xml:space="preserve"> x </t></si></sst>'
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>3</v></c></row>'
        '<row r="4"><c r="B4" t="str"><f>A3</f><v>Łódź ghetto</v></c></row>'
    )
    path = bombs.write_xlsx(tmp_path / "strings.xlsx", bombs.sheet(rows), [strings.encode()])

    assert xlsx_values(path) == openpyxl_values(path)
    assert xlsx_values(path)[1] == [["Łódź ghetto", " x "], [None, "Łódź ghetto"]]


@pytest.mark.django_db
def test_an_xlsx_formula_without_a_saved_value_is_refused_with_its_row(
    tmp_path, katyn, katyn_source
):
    """openpyxl saves formulas without their results; read as blanks, they would drop a
    figure without a word."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ESTIMATE_HEADER.strip().split(","))
    row = ["katyn-1", "katyn-massacre", "killed", None, 21857, None, None, "21,857"]
    sheet.append([*row, "NKVD records", 1940, None, None, "naimark-1995", "p. 5", None])
    sheet.append(["katyn-2", "katyn-massacre", "killed", None, "=E2+1", None, None, "21,858"])
    workbook.save(tmp_path / "estimates.xlsx")

    output = refused(
        tmp_path, "EstimateResource", (tmp_path / "estimates.xlsx").read_bytes(), "estimates.xlsx"
    )

    assert (
        "“estimates.xlsx”, row 3, column `best` (E): the cell holds a formula (=E2+1) but no "
        "value worked out from it. Open the file in a spreadsheet program and save it again, so "
        "that the values are saved with the formulas, or type the value instead."
    ) in output
    assert not Estimate.objects.exists()


@pytest.mark.django_db
def test_a_source_key_that_is_not_a_slug_is_refused(tmp_path, db):
    output = errors_of(
        tmp_path, "SourceResource", "key,title\nNaimark 1995,The Russians in Germany\n"
    )
    assert (
        "row 2, column `key`: 'Naimark 1995' is not a valid key; use letters, digits, hyphens "
        "and underscores, e.g. 'naimark-1995'"
    ) in output
    assert not Source.objects.exists()


PROBES = ["", " ", "a", "Naimark 1995", "naimark-1995", "a\x00b", "é", "x" * 100, "x" * 301]


@pytest.mark.parametrize(
    "resource",
    [
        SourceResource,
        PlaceResource,
        ActorResource,
        IncidentResource,
        EstimateResource,
        CitationResource,
        ProceedingResource,
    ],
)
def test_what_a_widget_checks_for_full_clean_it_refuses_like_the_model_field(resource):
    """``full_clean`` skips the fields whose widgets check them completely; each such widget
    must refuse every value the model field would."""
    instance = resource()
    instance.leave_checks_to_widgets([f.column_name for f in instance.get_import_fields()])
    model = resource._meta.model
    skipped = {f.attribute for f in instance.get_import_fields()} & {*instance._not_checked_here}
    skipped -= {*resource.not_validated}
    assert skipped, "no field is left to its widget"
    for field in instance.get_import_fields():
        if field.attribute not in skipped:
            continue
        model_field = model._meta.get_field(field.attribute)
        choices = [str(choice) for choice, _ in model_field.choices or []]
        for probe in [*PROBES, *choices, "1995", "-5", "123456789012345", "1" * 16]:
            try:
                value = field.widget.clean(probe)
            except ValueError:
                continue
            model_field.clean(value, model())  # accepted by the widget: valid for the model


@pytest.mark.django_db
def test_duplicate_refs_in_one_file_are_refused(tmp_path, katyn, katyn_source):
    row = "katyn-1,katyn-massacre,killed,,5,,,5,c,,,,naimark-1995,,"
    output = errors_of(tmp_path, "EstimateResource", estimates_file(row, row))
    assert "row 3, column `ref`: 'katyn-1' appears twice in this file (rows 2 and 3)" in output
    assert not Estimate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            ("massacre|Killing of prisoners of war", "massacre|Genocidal bombing"),
            "column `categories`: 'Genocidal bombing' is not a known category; use one of:",
        ),
        (
            ("1940-04/1940-05", "April 1940"),
            "column `date`: “April 1940” is not a valid EDTF date.",
        ),
        (("Katyn massacre,", ","), "column `title`: This field cannot be blank."),
        (("katyn-massacre,", "Katyn Massacre,"), "column `slug`: 'Katyn Massacre' is not a slug"),
    ],
)
def test_bad_incident_rows(tmp_path, db, replace, message):
    output = errors_of(
        tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW.replace(*replace)
    )
    assert message in output
    assert not IncidentVersion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("file.csv", "slug,titel\nx,y\n", "The header row does not match: unknown column `titel`"),
        ("file.csv", "caf\xe9".encode("latin-1") + b",x\n", "is not UTF-8 text (byte 0xe9"),
        ("file.yaml", "- slug: x\n", "is not a CSV or XLSX file"),
        ("file.csv", "<html><script>alert(1)</script></html>", "looks like HTML, YAML or JSON"),
        ("file.csv", "", "is empty"),
        ("file.xlsx", "not a workbook", "is not an XLSX workbook"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(tmp_path, db, name, content, message):
    assert message in refused(tmp_path, "IncidentResource", content, name)
    assert not IncidentVersion.objects.exists()


@pytest.mark.django_db
def test_an_oversize_file_is_refused_unless_it_is_a_csv_file_named_on_the_command_line(
    tmp_path, settings
):
    """Uploads, XLSX files and standard input have a size limit; a CSV file named on the
    command line is streamed in chunks and has none (its rows are limited)."""
    settings.IMPORT_MAX_BYTES = 100
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK" + b"x" * 200)
    with pytest.raises(CommandError) as error:
        call_command("import", "editorial.resources.IncidentResource", str(path), "--no-input")
    assert (
        str(error.value)
        == "“big.xlsx” is 202 bytes; the limit is 100 bytes. Split it into smaller files."
    )
    output = run_import(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW * 1)
    assert "Imported: 1 new" in output
    assert IncidentVersion.objects.count() == 1


def numbered_estimates(count: int, bad: dict[int, str] | None = None) -> str:
    """``count`` estimate rows for katyn-massacre; ``bad`` replaces row n (1 = first row)."""
    rows = [
        f"katyn-{n},katyn-massacre,killed,,{n},,exact,{n},NKVD records,1940,,,naimark-1995,p. {n},"
        for n in range(1, count + 1)
    ]
    for n, row in (bad or {}).items():
        rows[n - 1] = row
    return estimates_file(*rows)


def run_chunked(
    tmp_path, text: str | bytes, *extra: str, stderr=None, chunk_rows: str = "10"
) -> str:
    path = tmp_path / "estimates.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    out = io.StringIO()
    call_command(
        "import",
        "editorial.resources.EstimateResource",
        str(path),
        "--no-input",
        "--chunk-rows",
        chunk_rows,
        *extra,
        stdout=out,
        stderr=stderr or io.StringIO(),
    )
    return out.getvalue()


@pytest.mark.django_db
def test_a_long_file_is_imported_in_chunks_all_or_nothing(tmp_path, katyn, katyn_source):
    history = HistoryEntry.objects.count()
    assert "Imported: 25 new, 0 updated, 0 unchanged estimates (25 rows)." in run_chunked(
        tmp_path, numbered_estimates(25)
    )
    version = katyn.versions.get()
    assert version.estimates.count() == 25
    assert HistoryEntry.objects.count() == history + 1  # one import, one history row
    again = run_chunked(tmp_path, numbered_estimates(25))
    assert "0 new, 0 updated, 25 unchanged" in again
    assert HistoryEntry.objects.count() == history + 1


@pytest.mark.django_db
def test_a_long_xlsx_file_is_imported_in_chunks_too(tmp_path, katyn, katyn_source):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in csv.reader(io.StringIO(numbered_estimates(25))):
        workbook.active.append(row)
    workbook.save(tmp_path / "estimates.xlsx")
    terminal = Terminal()
    call_command(
        "import",
        "editorial.resources.EstimateResource",
        str(tmp_path / "estimates.xlsx"),
        "--no-input",
        "--chunk-rows",
        "10",
        stdout=io.StringIO(),
        stderr=terminal,
    )
    assert katyn.versions.get().estimates.count() == 25
    assert terminal.getvalue().split("\r")[-1] == "[##############################] 100% 25 rows\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {23: "katyn-23,katyn-massacre,killed,,9,2,exact,9,NKVD,1940,,,naimark-1995,p. 1,"},
            "row 24, column `best`: Best (9) is above high (2)",
        ),
        (
            {23: "katyn-3,katyn-massacre,killed,,9,,exact,9,NKVD,1940,,,naimark-1995,p. 1,"},
            "row 24, column `ref`: 'katyn-3' appears twice in this file (rows 4 and 24)",
        ),
        (
            {17: "katyn-17,katyn-massacre,killed,,9,,exact,9,NKVD,1940,,,no-such-source,p. 1,"},
            "row 18, column `source`: 'no-such-source' is not a known source key",
        ),
    ],
)
def test_an_error_in_a_later_chunk_writes_nothing_and_names_the_files_row(
    tmp_path, katyn, katyn_source, bad, message
):
    err = io.StringIO()
    with pytest.raises(CommandError):
        run_chunked(tmp_path, numbered_estimates(25, bad), stderr=err)
    assert message in err.getvalue()
    assert not Estimate.objects.exists()


@pytest.mark.django_db
def test_a_bad_byte_or_a_ragged_row_far_into_a_file_writes_nothing(tmp_path, katyn, katyn_source):
    text = numbered_estimates(25).encode()
    with pytest.raises(CommandError) as error:
        run_chunked(tmp_path, text.replace(b"p. 20,", b"p. 2\xe9,"))
    assert "is not UTF-8 text (byte 0xe9 near row" in str(error.value)
    with pytest.raises(CommandError) as error:
        run_chunked(tmp_path, text.replace(b"p. 20,", b"p. 20,,extra,cells"))
    assert "row 21: 17 cells, but the header has 15 columns" in str(error.value)
    assert not Estimate.objects.exists()


@pytest.mark.django_db
def test_a_file_with_only_a_header_is_refused(tmp_path, katyn, katyn_source):
    with pytest.raises(CommandError) as error:
        run_chunked(tmp_path, ESTIMATE_HEADER)
    assert str(error.value) == "“estimates.csv” has no rows below its header."
    assert not Estimate.objects.exists()


@pytest.mark.django_db
def test_a_chunked_dry_run_writes_nothing(tmp_path, katyn, katyn_source):
    output = run_chunked(tmp_path, numbered_estimates(25), "--dry-run")
    assert "Would import: 25 new" in output and "Dry run: nothing was written." in output
    assert not Estimate.objects.exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_a_terminal_sees_a_progress_bar(tmp_path, katyn, katyn_source):
    terminal = Terminal()
    run_chunked(tmp_path, numbered_estimates(25), stderr=terminal)
    bars = terminal.getvalue().split("\r")
    assert bars[-1] == "[##############################] 100% 25 rows\n"
    assert "10 rows" in bars[1] and "20 rows" in bars[2]


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path, db):
    output = run_import(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW, dry_run=True)
    assert "Would import: 1 new" in output and "Dry run: nothing was written." in output
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_estimates_for_a_published_incident_go_into_a_new_draft(tmp_path, client):
    published = make_published("katyn-massacre", title="Katyn massacre")
    make_source("naimark-1995")
    before = client.get("/incidents/katyn-massacre/").content

    run_import(tmp_path, "EstimateResource", estimates_file(GOOD_ESTIMATE))

    draft = published.incident.versions.get(state=State.DRAFT)
    assert draft.number == 2 and draft.estimates.filter(ref="katyn-1").exists()
    assert published.estimates.filter(ref="katyn-1").count() == 0
    assert client.get("/incidents/katyn-massacre/").content == before


@pytest.mark.django_db
def test_unchanged_rows_of_a_published_incident_open_no_draft(tmp_path):
    published = make_published("katyn-massacre")
    rows = EstimateResource().export(queryset=published.estimates.all()).csv
    run_import(tmp_path, "EstimateResource", rows)
    assert published.incident.versions.count() == 1


@pytest.mark.django_db
def test_export_then_import_round_trips_formula_looking_text(tmp_path, db):
    tricky = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "'quoted", "plain"]
    for n, text in enumerate(tricky):
        make_source(f"s-{n}", title=text, authors=text, publisher=text)
    exported = SourceResource().export(queryset=Source.objects.order_by("key")).csv
    for row in csv.DictReader(io.StringIO(exported)):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    before = list(Source.objects.order_by("key").values())

    output = run_import(tmp_path, "SourceResource", exported)

    assert "0 new, 0 updated, 7 unchanged" in output
    assert list(Source.objects.order_by("key").values()) == before


@pytest.mark.django_db
def test_estimate_and_citation_exports_match_the_librarys_and_round_trip(tmp_path, db):
    """Exports read plain values, not model instances: the file must be the one the
    library's own export writes, formula-looking text included, and import back unchanged."""
    tricky = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "'quoted"]
    version = make_draft(slug="katyn", estimates=len(tricky))
    for text, estimate in zip(tricky, version.estimates.order_by("pk"), strict=True):
        Estimate.objects.filter(pk=estimate.pk).update(
            as_written=text, claimant=text, locator=text, quote=text, high=700
        )
        Citation.objects.create(
            version=version,
            estimate=estimate,
            source=estimate.source,
            locator=text,
            quote=text,
            note=text,
        )
    for resource in (EstimateResource, CitationResource):
        library = ModelResource.export(resource(), resource().get_queryset().order_by("pk"))
        assert resource().export().csv == library.csv
    exported = EstimateResource().export().csv
    output = run_import(tmp_path, "EstimateResource", exported)
    assert f"0 new, 0 updated, {len(tricky)} unchanged" in output


@pytest.mark.django_db
def test_incident_export_round_trips(tmp_path, katyn):
    exported = IncidentResource().export(queryset=IncidentVersion.objects.all()).csv
    assert exported.splitlines()[0].startswith(INCIDENT_HEADER.strip())
    output = run_import(tmp_path, "IncidentResource", exported)
    assert "0 new, 0 updated, 1 unchanged" in output


@pytest.mark.django_db
def test_export_command_writes_the_documented_columns(db, capsys):
    make_source("naimark-1995", title="The Russians in Germany")
    call_command("export", "CSV", "editorial.resources.SourceResource")
    out = capsys.readouterr().out
    assert out.startswith("key,kind,authors,title,container,year,publisher,place,isbn,doi,url,")
    assert "naimark-1995" in out


@pytest.mark.django_db
def test_changing_published_figures_costs_no_query_per_row(tmp_path):
    """Each published incident costs its new draft's queries once; its rows cost none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_source("naimark-1995")
    published = [make_published(f"incident-q{n}", estimates=0) for n in range(4)]

    def queries(incidents, per_incident: int) -> int:
        rows = [
            f"{v.incident.slug}-{n},{v.incident.slug},killed,,{n + 1},,,{n + 1},c,,,,naimark-1995,,"
            for v in incidents
            for n in range(per_incident)
        ]
        first = run_chunked(tmp_path, estimates_file(*rows), chunk_rows="2000")  # in new drafts
        assert f"{len(rows)} new" in first
        for version in incidents:  # publish the drafts again, as a reviewer would
            draft = version.incident.versions.get(state=State.DRAFT)
            IncidentVersion.objects.filter(pk=version.pk).update(state=State.SUPERSEDED)
            IncidentVersion.objects.filter(pk=draft.pk).update(state=State.PUBLISHED)
        changed = [row.replace(",c,", ",changed,") for row in rows]
        with CaptureQueriesContext(connection) as captured:
            output = run_chunked(tmp_path, estimates_file(*changed), chunk_rows="2000")
        assert f"{len(rows)} updated" in output
        return len(captured)

    assert queries(published[:2], 2) == queries(published[2:], 6)


RELATED_HEADER = ESTIMATE_HEADER.strip() + ",scope,part_of,share_low,share_high,share_of,per\n"


def related_file(*rows: str) -> str:
    return RELATED_HEADER + "".join(row + "\n" for row in rows)


@pytest.mark.django_db
def test_parts_shares_and_rates_are_imported_and_a_part_may_come_before_its_whole(
    tmp_path, katyn, katyn_source
):
    text = related_file(
        "girls,katyn-massacre,killed,,20,,,20 girls,c,,,,naimark-1995,,,girls,shot,,,,",
        "shot,katyn-massacre,killed,,360,,,360,c,,,,naimark-1995,,,,,,,,",
        'pows,katyn-massacre,captured,,320000,,,"320,000",c,,,,naimark-1995,,,,,,,,',
        "third,katyn-massacre,killed,,,,at_least,one third,c,,,,naimark-1995,,,,,33.33%,,pows,",
        "daily,katyn-massacre,raped,,10,,,10 each day,c,,,,naimark-1995,,,girls,,,,,Day",
    )
    assert "Imported: 5 new" in run_import(tmp_path, "EstimateResource", text)
    rows = {
        e.ref: (e.scope, e.part_of, e.share_low, e.share_of, e.per) for e in Estimate.objects.all()
    }
    assert rows == {
        "girls": ("girls", "shot", None, "", ""),
        "shot": ("", "", None, "", ""),
        "pows": ("", "", None, "", ""),
        "third": ("", "", Decimal("33.33"), "pows", ""),
        "daily": ("girls", "", None, "", "day"),
    }


@pytest.mark.django_db
def test_a_file_without_the_relation_columns_still_imports(tmp_path, katyn, katyn_source):
    assert "scope" not in ESTIMATE_HEADER
    text = estimates_file("k-1,katyn-massacre,killed,20000,,,over,over 20000,c,,,,naimark-1995,,")
    assert "Imported: 1 new" in run_import(tmp_path, "EstimateResource", text)
    assert Estimate.objects.get().scope == ""


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_rows", ["2", "1000"])
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "girls,katyn-massacre,killed,,20,,,20 girls,c,,,,naimark-1995,,,girls,nowhere,,,,",
            "row 4, column `part_of`: “nowhere” is not a figure of this incident: a part breaks "
            "down a figure of the same incident (give the ref of that figure).",
        ),
        (
            "girls,katyn-massacre,killed,,400,,,400 girls,c,,,,naimark-1995,,,girls,shot,,,,",
            "row 4, column `part_of`: This part (400 girls) is more than its whole “shot” "
            "(360) allows.",
        ),
        (
            "third,katyn-massacre,killed,,,,,a third,c,,,,naimark-1995,,,,,133,,shot,",
            "row 4, column `share_low`: 133 % is not a share; enter a percentage from 0 to 100",
        ),
        (
            "third,katyn-massacre,killed,,,,,a third,c,,,,naimark-1995,,,,,a third,,shot,",
            "row 4, column `share_low`: 'a third' is not a percentage; write a number from 0 to "
            "100 with at most two decimals, e.g. 33.33 for one third",
        ),
    ],
)
def test_a_relation_that_cannot_be_true_writes_nothing_and_names_its_row(
    tmp_path, katyn, katyn_source, chunk_rows, row, message
):
    text = related_file(
        "shot,katyn-massacre,killed,,360,,,360,c,,,,naimark-1995,,,,,,,,",
        "other,katyn-massacre,killed,,300,,,300,c,,,,naimark-1995,,,,,,,,",
        row,
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        run_chunked(tmp_path, text, stderr=err, chunk_rows=chunk_rows)
    assert message in err.getvalue()
    assert not Estimate.objects.exists()


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("20,000", "put 20000 in `best` and '20,000' in `as_written`"),
        ("20 000", "put 20000 in `best` and '20 000' in `as_written`"),
        ("2.5 million", "put 2500000 in `best` and '2.5 million' in `as_written`"),
        (
            "44–3,000",
            "for a range put 44 in `low` and 3000 in `high`, and '44–3,000' in `as_written`",
        ),
        (
            "nearly 1,000",
            "put 1000 in `best`, almost in `qualifier` and 'nearly 1,000' in `as_written`",
        ),
        # Never a guess: the digits of 12.5 are not 125, 1.2345678 million is not a whole count.
        (
            "12.5",
            "enter the figure in digits only (a qualifier such as about or over goes in "
            "`qualifier`) and '12.5' in `as_written`",
        ),
        (
            "1.2345678 million",
            "enter the figure in digits only (a qualifier such as about or over goes in "
            "`qualifier`) and '1.2345678 million' in `as_written`",
        ),
    ],
)
def test_a_figure_written_in_words_gets_advice_only_where_the_number_is_certain(written, hint):
    from editorial.import_widgets import WholeNumberWidget

    with pytest.raises(ValueError) as error:
        WholeNumberWidget("best").clean(written)
    assert str(error.value) == f"'{written}' is not a whole number; {hint}"


@pytest.mark.django_db
def test_a_figure_imported_without_a_ref_is_found_again_when_the_file_is_read_again(
    tmp_path, katyn, katyn_source
):
    row = ",katyn-massacre,killed,,21857,,,21857,NKVD records,,,,naimark-1995,p. 3,"
    run_import(tmp_path, "EstimateResource", estimates_file(row))
    run_import(tmp_path, "EstimateResource", estimates_file(row))

    estimate = Estimate.objects.get()
    assert estimate.ref.startswith("katyn-massacre-killed-")
    assert len(estimate.ref) == len("katyn-massacre-killed-") + 8
    assert estimate.ref == estimate_ref(
        incident="katyn-massacre",
        measure="killed",
        claim=["killed", "NKVD records", "21857", "naimark-1995", "p. 3"],
    )


@pytest.mark.django_db
def test_keys_given_long_before_are_still_found_once_they_are_kept_on_disk(
    tmp_path, katyn, katyn_source, monkeypatch
):
    """Past a few thousand keys the file's keys go to a private table in a temporary file
    (flat memory for a file of a million rows); a key given twice is still refused with both
    rows, and no file is left behind."""
    monkeypatch.setattr("editorial.seen_keys.IN_MEMORY", 3)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    bad = {23: "katyn-3,katyn-massacre,killed,,9,,exact,9,NKVD,1940,,,naimark-1995,p. 1,"}
    err = io.StringIO()
    with pytest.raises(CommandError):
        run_chunked(tmp_path, numbered_estimates(25, bad), stderr=err)
    assert "row 24, column `ref`: 'katyn-3' appears twice in this file (rows 4 and 24)" in (
        err.getvalue()
    )
    assert not Estimate.objects.exists()
    assert not list(tmp_path.glob("archive-import-*"))
    run_chunked(tmp_path, numbered_estimates(25))
    assert katyn.versions.get().estimates.count() == 25
    assert not list(tmp_path.glob("archive-import-*"))


@pytest.mark.django_db
def test_drafts_written_to_long_before_get_one_history_entry_each_once_kept_on_disk(
    tmp_path, katyn_source, monkeypatch
):
    """Past a few thousand drafts the import keeps the drafts it wrote to in a private table in
    a temporary file (flat memory for a million rows); each still gets one import entry, also
    when the file comes back to it after it went to the table, and no file is left behind."""
    monkeypatch.setattr("editorial.seen_keys.IN_MEMORY", 3)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    slugs = [f"incident-{n}" for n in range(1, 6)]
    for slug in slugs:
        make_published(slug, title=slug.title())
    rows = [
        f"{slug}-f{n},{slug},killed,,{n},,exact,{n},NKVD,1940,,,naimark-1995,p. {n},"
        for n in range(1, 4)
        for slug in slugs
    ]
    output = run_chunked(tmp_path, estimates_file(*rows), chunk_rows="4")
    assert "15 new" in output
    for slug in slugs:
        draft = Incident.objects.get(slug=slug).versions.get(state=State.DRAFT)
        figures = draft.estimates.filter(ref__contains="-f").values_list("best", flat=True)
        assert sorted(figures) == [1, 2, 3]
        entries = HistoryEntry.objects.filter(version=draft, action=Action.IMPORT)
        assert entries.count() == 1, slug
    assert HistoryEntry.objects.filter(action=Action.IMPORT).count() == 5
    assert not list(tmp_path.glob("archive-import-*"))
