"""How the product words counts: one rule for every page, email and message."""


def plural(count, word, plural_word=None):
    """``count`` and ``word``, pluralised: "1 day", "0.5 days", "2 days", "3 weeks".

    Numbers print as written (``2.0`` as "2", ``0.5`` as "0.5"); only exactly one is
    singular, as English says "half a day" but "0.5 days". ``plural_word`` for irregular
    words (default: ``word`` + "s").
    """
    text = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{text} {word if count == 1 else (plural_word or word + 's')}"
