"""Reading files of unknown origin and writing Excel-safe CSV."""
import pytest

from matcher.io import MAX_UPLOAD_BYTES, ReadError, escape_formula, read_upload, rows_to_csv, to_csv
from tests.conftest import city

HEADER = "city,country,country_code,region,kind,lat,lon,population,population_year,languages,networks\n"
ROW = "Sfax,Tunisia,TN,MENA,city,34.74,10.76,330000,2014,ar;fr,\n"


@pytest.mark.parametrize(
    "data",
    [
        (HEADER + ROW).encode("utf-8"),
        b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8"),
        (HEADER + ROW).encode("utf-16"),
        (HEADER + ROW).replace("Sfax", "Sfàx").encode("cp1252"),
        (HEADER + ROW).replace(",", ";").replace("ar;fr", "ar|fr").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16-excel", "cp1252", "semicolon"],
)
def test_encodings_and_delimiters(data):
    table, rows, problems = read_upload("cities.csv", data)
    assert table == "cities" and problems == []
    rec = rows[0][1]
    assert rec["city"] in ("Sfax", "Sfàx") and rec["lat"] == "34.74"
    assert rows[0][0] == 2  # spreadsheet row number


def test_list_fields_split_on_semicolon():
    _, rows, _ = read_upload("c.csv", (HEADER + ROW).encode())
    assert rows[0][1]["languages"] == ["ar", "fr"] and rows[0][1]["networks"] == []


def test_unknown_columns_are_reported():
    _, _, problems = read_upload("c.csv", (HEADER.strip() + ",colour\n" + ROW.strip() + ",red\n").encode())
    assert [(p.field, p.row) for p in problems] == [("colour", 1)]


def test_unrecognisable_file_is_a_clear_error():
    with pytest.raises(ReadError, match="could not tell which table"):
        read_upload("x.csv", b"foo,bar\n1,2\n")
    with pytest.raises(ReadError, match="empty"):
        read_upload("x.csv", b"   ")
    with pytest.raises(ReadError, match="not valid JSON"):
        read_upload("x.json", b"[{]")


def test_upload_over_size_limit():
    with pytest.raises(ReadError, match="limit"):
        read_upload("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1))


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formulas_are_neutralised(prefix):
    assert escape_formula(prefix + "SUM(A1)") == "'" + prefix + "SUM(A1)"
    data = rows_to_csv([{"title": prefix + "cmd|' /C calc'!A0"}]).decode("utf-8-sig")
    assert "\n'" + prefix in data.replace("\r\n", "\n") or "\"'" + prefix in data


def test_csv_export_has_bom_and_round_trips_formula_text():
    rec = city(city="=HYPERLINK(\"http://x\")")
    data = to_csv("cities", [rec])
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK" in data
    _, rows, _ = read_upload("cities.csv", data)
    assert rows[0][1]["city"] == rec["city"]


def test_excel_upload(tmp_path):
    import pandas as pd

    path = tmp_path / "cities.xlsx"
    pd.DataFrame([{"city": "Sfax", "country": "Tunisia", "country_code": "TN", "region": "MENA", "kind": "city", "lat": 34.74, "lon": 10.76,
                   "population": 330000, "population_year": 2014, "languages": "ar; fr", "networks": None}]).to_excel(path, index=False)
    table, rows, problems = read_upload("cities.xlsx", path.read_bytes())
    assert table == "cities" and problems == []
    from matcher.validate import parse_rows

    models, probs = parse_rows("cities", rows, "cities.xlsx")
    assert probs == [] and models[0].languages == ["ar", "fr"] and models[0].population == 330000
    with pytest.raises(ReadError, match="not a readable Excel file"):
        read_upload("broken.xlsx", b"PK\x03\x04garbage")
