"""Docstrings read for declarations: the summary, and each argument's text in Google, NumPy, Sphinx style."""

from __future__ import annotations

from genai._coercion.docstrings import parse_docstring

GOOGLE = """Find flights between two cities.

    The second paragraph is not part of the summary.

    Args:
        origin: Where from, e.g. "OSL".
        destination (str): Where to,
            on two lines.
        dates (list[str], optional): Days (any of them): ISO dates.
        *extra: Ignored extras.

    Returns:
        list[str]: Flight numbers; not an argument.

    Raises:
        ValueError: Not an argument either.
    """

NUMPY = """Find flights between two cities.

    Parameters
    ----------
    origin : str
        Where from, e.g. "OSL".
    destination : str
        Where to,
        on two lines.
    low, high : float, optional
        Price range.
    direct

    Returns
    -------
    list of str
        Flight numbers; not an argument.

    Examples
    --------
    origin : looks like an argument but is not
    """

SPHINX = """Find flights between two cities.

    :param origin: Where from, e.g. "OSL".
    :type origin: str
    :param str destination: Where to,
        on two lines.
    :arg dates: Days.
    :returns: Flight numbers; not an argument.
    :rtype: list[str]
    :raises ValueError: Not an argument either.
    """


def test_google_style() -> None:
    summary, args = parse_docstring(GOOGLE)
    assert summary == "Find flights between two cities."
    assert args == {
        "origin": 'Where from, e.g. "OSL".',
        "destination": "Where to, on two lines.",
        "dates": "Days (any of them): ISO dates.",
        "extra": "Ignored extras.",
    }


def test_numpy_style() -> None:
    summary, args = parse_docstring(NUMPY)
    assert summary == "Find flights between two cities."
    assert args == {
        "origin": 'Where from, e.g. "OSL".',
        "destination": "Where to, on two lines.",
        "low": "Price range.",
        "high": "Price range.",
        "direct": "",
    }


def test_sphinx_style() -> None:
    summary, args = parse_docstring(SPHINX)
    assert summary == "Find flights between two cities."
    assert args == {
        "origin": 'Where from, e.g. "OSL".',
        "destination": "Where to, on two lines.",
        "dates": "Days.",
    }


def test_summary_is_the_first_paragraph_up_to_a_section() -> None:
    assert parse_docstring("One line.") == ("One line.", {})
    assert parse_docstring("Spans\n  two lines.\n\nMore.") == ("Spans two lines.", {})
    assert parse_docstring("Summary.\nArgs:\n    x: The x.\n") == ("Summary.", {"x": "The x."})
    assert parse_docstring("Summary.\n:param x: The x.") == ("Summary.", {"x": "The x."})
    assert parse_docstring("\n    Args:\n        x: The x.\n    ") == ("", {"x": "The x."})
    assert parse_docstring("") == ("", {})


def test_other_google_sections_end_the_arguments() -> None:
    doc = "F.\n\nArgs:\n    x: The x.\n\nExample:\n    y: not an argument\n"
    assert parse_docstring(doc) == ("F.", {"x": "The x."})
    keyword = "F.\n\nKeyword Args:\n    x: The x.\nReturns:\n    y: nope\n"
    assert parse_docstring(keyword) == ("F.", {"x": "The x."})
