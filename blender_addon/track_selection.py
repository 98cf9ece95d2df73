"""The "Track IDs" option: which people to import."""

from .errors import ImportFailed


def parse_track_ids(text: str) -> set[int] | None:
    """``"1, 3 7"`` -> {1, 3, 7}; empty -> None (everyone).

    Raises:
        ImportFailed: a token is not an integer.
    """
    tokens = text.replace(",", " ").split()
    if not tokens:
        return None
    try:
        return {int(t) for t in tokens}
    except ValueError:
        raise ImportFailed(
            f"Track IDs '{text}': expected integers separated by commas, e.g. '1, 3'"
        ) from None


def check_track_ids(wanted: set[int] | None, known: set[int], file_name: str) -> None:
    """Refuse ids that the file does not have (before anything is created).

    Raises:
        ImportFailed: naming the unknown ids and the ones the file has.
    """
    if wanted is not None and not wanted <= known:
        raise ImportFailed(
            f"track ids {sorted(wanted - known)} are not in '{file_name}'; it has {sorted(known)}"
        )
