"""Strict readers for settings taken from the environment.

Each reader returns the typed value or the default when the variable is unset
or empty, and raises ``ImproperlyConfigured`` naming the variable when the value
is malformed: a typo in production must stop the process, not change its
behaviour silently (healthchecks' ``envbool``/``envint`` are the model).
"""

import os
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """Return the variable as text; raises ImproperlyConfigured if required and unset."""
    value = _raw(name)
    if value is None:
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return true/false for 1/0, true/false, yes/no, on/off; anything else raises."""
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"The environment variable {name}={value!r} is not a boolean "
        "(use true/false, yes/no, on/off or 1/0)."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return an integer within [minimum, maximum]; anything else raises."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"The environment variable {name}={value!r} is not an integer."
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"The environment variable {name}={number} is below {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"The environment variable {name}={number} is above {maximum}.")
    return number


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    """Return a comma-separated list with blanks removed."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """Return one of ``choices`` (case-insensitive); anything else raises."""
    allowed = tuple(choices)
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered not in allowed:
        raise ImproperlyConfigured(
            f"The environment variable {name}={value!r} must be one of: {', '.join(allowed)}."
        )
    return lowered
