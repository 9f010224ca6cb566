"""The sandbox's generated session: pure functions, no database."""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from sandbox import data, transcripts
from sandbox.credentials import credentials, num_gestion
from sandbox.departements import BY_CODE, DEPARTEMENTS
from sandbox.diplomas import ADMITTED, BAC_PRO, BAC_TECHNO, FAILED, OPTIONS, SECOND_GROUP

START = date(2026, 6, 16)
LATER = datetime(2027, 1, 1, tzinfo=data.PARIS)
E1_FIELDS = {"filiere", "option", "departement", "nbCandidats", "dateDelib"}
E2_FIELDS = {"filiere", "option", "specialite", "departement", "nom", "prenoms", "resultat"}
DIGEST_SCRIPT = """
import hashlib, json
from datetime import date, datetime
from sandbox import data
later = datetime(2027, 1, 1, tzinfo=data.PARIS)
payload = [[data.calendar(c, date(2026, 6, 16)), data.results(c, date(2026, 6, 16), later)]
           for c in ("30", "2A", "974")]
print(hashlib.sha256(json.dumps(payload).encode()).hexdigest())
"""


def every_cohort():
    for d in DEPARTEMENTS:
        for section in data.sections(d.code, START):
            yield section, data.cohort(d.code, section.option_index)


def listed_rows():
    return [row for d in DEPARTEMENTS for row in data.results(d.code, START, LATER)]


def test_it_knows_the_101_departements_with_their_codes_as_strings():
    codes = [d.code for d in DEPARTEMENTS]
    assert len(codes) == len(set(codes)) == 101
    assert {"01", "09", "2A", "2B", "95", "971", "972", "973", "974", "976"} <= set(codes)
    assert "20" not in codes and "975" not in codes
    assert BY_CODE["30"].name == "Gard"
    assert BY_CODE["30"].region.authority == "DRAAF Occitanie"


def test_it_generates_the_same_session_twice_even_from_fresh_generators():
    first = [data.calendar("30", START), data.results("30", START, LATER)]
    data.plan.cache_clear()
    data.cohort.cache_clear()
    assert [data.calendar("30", START), data.results("30", START, LATER)] == first


def test_it_does_not_depend_on_the_process_hash_seed():
    here = hashlib.sha256(
        json.dumps(
            [[data.calendar(c, START), data.results(c, START, LATER)] for c in ("30", "2A", "974")]
        ).encode()
    ).hexdigest()
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT], cwd=root, env=env, capture_output=True, text=True
        )
        assert out.stdout.strip() == here, out.stderr


def test_the_calendar_has_8_to_20_sections_on_3_to_6_days_of_the_session():
    for d in DEPARTEMENTS:
        rows = data.calendar(d.code, START)
        assert 8 <= len(rows) <= 20
        assert all(set(row) == E1_FIELDS and row["departement"] == d.code for row in rows)
        days = {date.fromisoformat(row["dateDelib"]) for row in rows}
        assert 3 <= len(days) <= 6
        assert all(START <= day <= START + timedelta(days=25) for day in days)
        assert len({(row["filiere"], row["option"]) for row in rows}) == len(rows)
        assert 300 <= sum(row["nbCandidats"] for row in rows) <= 2100


def test_big_departements_have_more_candidates_than_small_ones():
    def total(code):
        return sum(row["nbCandidats"] for row in data.calendar(code, START))

    assert total("59") > 1900
    assert total("48") < 700
    assert total("59") > total("30") > total("48")


def test_each_section_deliberates_between_9_and_18_paris_time_on_its_date():
    for d in DEPARTEMENTS:
        for section in data.sections(d.code, START):
            local = section.moment.astimezone(data.PARIS)
            assert local.date() == section.date
            assert (9, 0) <= (local.hour, local.minute) <= (18, 0)


def test_it_releases_a_section_only_after_its_deliberation_moment():
    sections = data.sections("30", START)
    first = sections[0]
    assert data.results("30", START, first.moment - timedelta(seconds=1)) == []
    released = {(s.filiere, s.option) for s in sections if s.moment <= first.moment}
    rows = data.results("30", START, first.moment)
    assert rows
    assert {(row["filiere"], row["option"]) for row in rows} == released
    assert len(data.results("30", START, LATER)) > len(rows)


def test_unknown_departements_have_no_sections():
    for code in ("20", "975", "99", "", "3", "2a"):
        assert data.calendar(code, START) == []
        assert data.results(code, START, LATER) == []


def test_results_list_only_consenting_passes_and_second_groups():
    rows = data.results("30", START, LATER)
    assert all(set(row) == E2_FIELDS for row in rows)
    expected = sum(
        c.listed for s in data.sections("30", START) for c in data.cohort("30", s.option_index)
    )
    assert len(rows) == expected
    everywhere = listed_rows()
    assert {row["resultat"] for row in everywhere} == {ADMITTED, SECOND_GROUP}
    second = {row["filiere"] for row in everywhere if row["resultat"] == SECOND_GROUP}
    assert second == {BAC_PRO.label, BAC_TECHNO.label}


def test_pass_and_consent_rates_are_those_of_the_print_facts():
    passed, consented, total = Counter(), Counter(), Counter()
    for section, cohort in every_cohort():
        for candidate in cohort:
            total[section.filiere] += 1
            passed[section.filiere] += candidate.resultat == ADMITTED
            consented[section.filiere] += candidate.consent
    for filiere in total:
        assert 0.77 <= passed[filiere] / total[filiere] <= 0.94
    assert abs(consented[BAC_TECHNO.label] / total[BAC_TECHNO.label] - 0.55) < 0.03
    assert abs(consented[BAC_PRO.label] / total[BAC_PRO.label] - 0.90) < 0.03


def test_results_are_in_candidate_order_not_alphabetical():
    rows = data.results("30", START, LATER)
    names = [(row["nom"], row["prenoms"]) for row in rows]
    assert names != sorted(names)


def test_specialites_come_with_and_without_prefix_and_blanks_as_empty_or_null():
    specialites = Counter(row["specialite"] for row in listed_rows())
    labels = [s for s in specialites if s]
    assert any(s.startswith("Spécialité : ") for s in labels)
    assert any(not s.startswith("Spécialité : ") for s in labels)
    assert "Spécialité : Vigne et vin" in specialites
    assert specialites[None] and specialites[""]


def test_names_contain_the_characters_that_break_naive_code():
    rows = listed_rows()
    noms = [row["nom"] for row in rows]
    prenoms = [row["prenoms"] for row in rows]
    text = " ".join(noms + prenoms)
    for needle in ("É", "È", "Ç", "Ï", "Œ", "œ", "'", "N'DIAYE", "D'ALMEIDA", "Marie-Ève"):
        assert needle in text, needle
    for particle in ("DE LA FONTAINE", "LE GALL", "DU PONT", "VAN DER BERG"):
        assert particle in noms, particle
    assert any(re.fullmatch(r"[A-ZÀ-Ÿ]+-[A-ZÀ-Ÿ]+", nom) for nom in noms)
    assert any("-" in p for p in prenoms)
    assert {len(p.split()) for p in prenoms} == {1, 2, 3, 4}
    assert any(len(f"{n} {p}") > 45 for n, p in zip(noms, prenoms, strict=True))
    assert any(nom != nom.upper() for nom in noms)


def test_homonyms_are_distinct_candidates_both_listed():
    rows = data.results("59", START, LATER)
    identities = Counter(tuple(row.values()) for row in rows)
    assert any(count >= 2 for count in identities.values())


def test_every_candidate_has_credentials_that_find_it_back():
    section = data.sections("30", START)[0]
    cohort = data.cohort("30", section.option_index)
    seen = set()
    for candidate in cohort:
        ina, num = credentials("30", section.option_index, candidate.index)
        assert re.fullmatch(r"\d{7}[A-Z]", ina)
        assert re.fullmatch(r"\d{10}[A-Z]", num)
        assert data.find_candidate(ina, num, START) == (section, candidate)
        seen.add(ina)
    assert len(seen) == len(cohort)


def test_wrong_credentials_find_nobody():
    section = data.sections("30", START)[0]
    ina, num = credentials("30", section.option_index, 0)
    other_letter = "A" if num[-1] != "A" else "B"
    beyond = num_gestion("30", section.option_index, section.nb_candidats)
    absent = next(o.index for o in OPTIONS if not data.cohort("30", o.index))
    for wrong_ina, wrong_num in [
        (ina, num[:-1] + other_letter),
        ("0000000A", num),
        (ina, beyond),
        (credentials("30", absent, 0)[0], num_gestion("30", absent, 0)),
        (ina, "9990000000A"),
        (ina.lower(), num),
        (None, num),
        (ina, 12),
    ]:
        assert data.find_candidate(wrong_ina, wrong_num, START) is None


def test_results_of_a_big_departement_take_well_under_100_ms():
    data.plan.cache_clear()
    data.cohort.cache_clear()
    began = time.perf_counter()
    rows = data.results("59", START, LATER)
    assert time.perf_counter() - began < 0.1
    assert len(rows) > 1000


def test_transcript_marks_agree_with_the_result():
    found = {}
    for section, cohort in every_cohort():
        for candidate in cohort:
            found.setdefault((section.filiere, candidate.resultat), (section, candidate))
        if len(found) >= 12:
            break
    for (_, resultat), (section, candidate) in found.items():
        ina, _ = credentials(section.departement, section.option_index, candidate.index)
        body = transcripts.transcript(section, candidate, ina, START)
        notes = body["notes"]
        mean = sum(n["note"] * n["coefficient"] for n in notes) / sum(
            n["coefficient"] for n in notes
        )
        if resultat == ADMITTED:
            assert mean >= 10
        elif resultat == SECOND_GROUP:
            assert 8 <= mean < 10
        else:
            assert resultat == FAILED and mean < 10
        assert re.fullmatch(r"[0-9a-f]{64}", body["signature"])
