"""NUBAN-style account numbers: a 9-digit serial and a check digit computed over bank code + serial.

The CBN scheme weighs the 3-digit bank code and the 9-digit serial with 3,7,3,3,7,3,3,7,3,3,7,3; the
check digit is 10 minus the weighted sum modulo 10 (0 when that is 10). The bank code is not part of the
10-digit number itself, so it must stay fixed for the bank's life.
"""

from __future__ import annotations

import re
import secrets

WEIGHTS = (3, 7, 3, 3, 7, 3, 3, 7, 3, 3, 7, 3)
SERIAL_DIGITS = 9
NUMBER_PATTERN = re.compile(r"^\d{10}$")


def check_digit(bank_code: str, serial: str) -> str:
    digits = bank_code + serial
    if len(bank_code) != 3 or len(serial) != SERIAL_DIGITS or not digits.isdigit():
        raise ValueError("a bank code of 3 digits and a serial of 9 digits are needed")
    total = sum(int(digit) * weight for digit, weight in zip(digits, WEIGHTS, strict=True))
    return str((10 - total % 10) % 10)


def account_number(bank_code: str, serial: str) -> str:
    return serial + check_digit(bank_code, serial)


def is_valid(bank_code: str, number: str) -> bool:
    if not NUMBER_PATTERN.match(number):
        return False
    return check_digit(bank_code, number[:SERIAL_DIGITS]) == number[SERIAL_DIGITS]


def random_serial() -> str:
    """An unguessable serial with no leading zero (numbers survive spreadsheets); uniqueness is the
    store's job (conditional put)."""
    return str(10 ** (SERIAL_DIGITS - 1) + secrets.randbelow(9 * 10 ** (SERIAL_DIGITS - 1)))
