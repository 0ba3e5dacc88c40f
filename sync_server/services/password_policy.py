"""What a password must be: at least 12 characters, not a well-known one (a small built-in list
and the words those lists are made of, with digits or symbols added), not the user's name."""

from __future__ import annotations

import re

from sync_server.services import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024  # the sign-in form refuses longer ones before any work

# Seen at the top of every published breach list, at 12 characters or more.
_COMMON = frozenset(
    [
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "123123123123",
        "121212121212",
        "111111111111",
        "000000000000",
        "987654321098",
        "098765432109",
        "112233445566",
        "123412341234",
        "qwertyuiop12",
        "qwertyuiopas",
        "qwertyuiopasdf",
        "qwerty123456",
        "qwerty12345678",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "zaq12wsxcde3",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5y6",
        "1q2w3e4r5t6y7u8i",
        "asdfghjkl123",
        "1234qwerasdf",
        "qweasdzxc123",
        "123qweasdzxc",
        "zxcvbnm12345",
        "abcdefghijkl",
        "abc123456789",
        "abcd12345678",
        "passwordpassword",
        "password1234",
        "password12345",
        "password123456",
        "passw0rd1234",
        "p@ssw0rd1234",
        "iloveyou1234",
        "administrator",
        "admin1234567",
        "welcome12345",
        "letmein12345",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "trustno11234",
        "monkey123456",
        "dragon123456",
        "master123456",
        "superman1234",
        "changeme1234",
        "correcthorsebatterystaple",
        "myspace12345",
        "starwars1234",
        "whatever1234",
        "computer1234",
        "internet1234",
        "scanstation1",
        "scanstation123",
        "scanstation2026",
        "aaaaaaaaaaaa",
    ]
)
# Words people build passwords from; `Password2026!` is as guessable as `password`.
_WORDS = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssw0rd",
        "qwerty",
        "qwertyuiop",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "iloveyou",
        "monkey",
        "dragon",
        "master",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "superman",
        "changeme",
        "trustno",
        "starwars",
        "whatever",
        "computer",
        "internet",
        "secret",
        "scanstation",
        "asset",
        "assets",
        "warehouse",
    ]
)


def password_problem(password: str, user_name: str | None = None) -> str | None:
    """Why `password` is not allowed (a sentence a person can act on), or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    lower = password.lower()
    core = re.fullmatch(r"[\d\W_]*([a-z@0]+?)[\d\W_]*", lower)
    if lower in _COMMON or (core is not None and core.group(1) in _WORDS):
        return "that password is one of the most common ones; choose another"
    if len(set(password)) < 4:
        return "the password needs more than three different characters"
    if user_name and user_name.lower() in lower:
        return "the password must not contain the user name"
    return None


def check_password_policy(password: str, user_name: str | None = None) -> None:
    """Raise InvalidInput (422) when `password` breaks the policy."""
    problem = password_problem(password, user_name)
    if problem is not None:
        raise InvalidInput(problem)
