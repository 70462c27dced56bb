"""Rule lifecycle: the version lock, deprecation, `diff` against a git base, `fmt` and scaffolding.

What makes PR-based authoring safe: a logic change must come with a version bump (`versions`), an id
never moves to another rule (`lock`), and a PR shows what it changes (`diff`).
"""
