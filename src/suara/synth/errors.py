"""The errors seen in real publications (shared/spec/c-hasil.md, 'Two incidents'), reproduced on
a generated form so that the rules have something to flag."""

from __future__ import annotations

from typing import Any

ERROR_KINDS = ("totals_as_votes", "digit_misread", "extra_digits")
# An extra-digit misreading adds some 100,000 votes to one TPS, so it is the rarest kind here:
# a handful already moves a national total, as 2024's did.
ERROR_WEIGHTS = (0.45, 0.45, 0.10)


def misread_hundreds(value: int) -> int:
    """A handwritten 1 read as 6 in the hundreds box: 117 -> 617, 36 -> 636."""
    misread = 600 + value % 100 if value < 1000 else value + 600
    return misread if misread != value else value + 1000


def inject_error(form: dict[str, Any], kind: str, extra: int) -> None:
    """Reproduce a real publication error in place, on a form of either shape."""
    if kind not in ERROR_KINDS:
        raise ValueError(f"jenis kesalahan tidak dikenal: {kind}")
    if "partai" in form:
        _inject_party_error(form, kind, extra)
        return
    suara = form["suara"]
    keys = list(suara)
    top = max(keys, key=lambda key: suara[key])
    if kind == "totals_as_votes":
        # the valid and invalid totals keyed in as the votes of paslon 01 and 02
        suara[keys[0]] = form["suara_sah"]
        suara[keys[1 % len(keys)]] = form["suara_tidak_sah"]
    elif kind == "digit_misread":
        suara[top] = misread_hundreds(suara[top])
    else:
        # three extra digits read from the OMR column (136 -> 136188), and the totals summed
        # from the misread votes, so that only the voter counts show the mistake
        suara[top] = suara[top] * 1000 + extra
        form["suara_sah"] = sum(suara.values())
        form["suara_total"] = form["suara_sah"] + form["suara_tidak_sah"]


def _inject_party_error(form: dict[str, Any], kind: str, extra: int) -> None:
    partai = form["partai"]
    if kind == "totals_as_votes":
        # the valid and invalid totals keyed in as the first party's own votes and its first
        # candidate's, and the party total summed from them: the parties no longer add up
        block = next(iter(partai.values()))
        block["suara_partai"] = form["suara_sah"]
        if block["caleg"]:
            block["caleg"][next(iter(block["caleg"]))] = form["suara_tidak_sah"]
        block["jumlah"] = block["suara_partai"] + sum(block["caleg"].values())
        return
    # the candidate with the most votes (the party itself where a list has no candidates)
    block, key = max(((b, c) for b in partai.values() for c in b["caleg"]),
                     key=lambda bc: bc[0]["caleg"][bc[1]], default=(next(iter(partai.values())), None))
    votes = block["caleg"] if key is not None else block
    key = key if key is not None else "suara_partai"
    if kind == "digit_misread":
        # the party total was written correctly: only the candidate's number is wrong
        votes[key] = misread_hundreds(votes[key])
        return
    votes[key] = votes[key] * 1000 + extra
    block["jumlah"] = block["suara_partai"] + sum(block["caleg"].values())
    form["suara_sah"] = sum(b["jumlah"] for b in partai.values())
    form["suara_total"] = form["suara_sah"] + form["suara_tidak_sah"]
