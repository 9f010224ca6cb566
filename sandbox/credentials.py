"""E3 credentials of every candidate, built so that a candidate is found back without a scan."""

import hashlib
import hmac
import re
from string import ascii_uppercase

from .departements import DEPARTEMENTS, INDEX

# The French social-security key alphabet: 23 letters, no I, O or Q.
CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
INA_PATTERN = re.compile(r"\d{7}[A-Z]")
# numGestion = département position (3) + option position (3) + candidate (4) + check letter.
NUM_GESTION_PATTERN = re.compile(r"(\d{3})(\d{3})(\d{4})([A-Z])")


def num_gestion(code, option_index, index):
    digits = f"{INDEX[code]:03d}{option_index:03d}{index:04d}"
    return digits + CHECK_LETTERS[int(digits) % len(CHECK_LETTERS)]


def ina(code, option_index, index):
    # Not derivable from numGestion without the recipe: both are needed, as upstream.
    digest = hashlib.sha256(f"ina/{code}/{option_index}/{index}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    return f"{number % 10**7:07d}{ascii_uppercase[number // 10**7 % 26]}"


def credentials(code, option_index, index):
    """(ina, numGestion) of the candidate at `index` in a section."""
    return ina(code, option_index, index), num_gestion(code, option_index, index)


def locate(ina_value, num_gestion_value):
    """(département code, option index, candidate index) if the credentials are valid."""
    if not isinstance(ina_value, str) or not isinstance(num_gestion_value, str):
        return None
    match = NUM_GESTION_PATTERN.fullmatch(num_gestion_value)
    if match is None or not INA_PATTERN.fullmatch(ina_value):
        return None
    departement, option_index, index, letter = match.groups()
    digits = departement + option_index + index
    if CHECK_LETTERS[int(digits) % len(CHECK_LETTERS)] != letter:
        return None
    if int(departement) >= len(DEPARTEMENTS):
        return None
    code = DEPARTEMENTS[int(departement)].code
    if not hmac.compare_digest(ina(code, int(option_index), int(index)), ina_value):
        return None
    return code, int(option_index), int(index)
