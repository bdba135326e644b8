"""Subject definitions as data: models, the shipped story and user overrides.

Subject, SubjectState, TallyRules   validated, frozen definitions (see model.py)
load_shipped_subjects()             the subjects shipped with tracker (us_belarus.toml)
merge_subjects(shipped, tables, f)  apply feeds.toml [[subjects]] tables (see loader.py)
subjects_fingerprint(subjects)      sha256 of the rules, for projection rebuilds
"""

from tracker.subjects.loader import load_shipped_subjects, merge_subjects, subjects_fingerprint
from tracker.subjects.model import MODALITIES, Modality, Subject, SubjectState, TallyRules

__all__ = [
    "MODALITIES",
    "Modality",
    "Subject",
    "SubjectState",
    "TallyRules",
    "load_shipped_subjects",
    "merge_subjects",
    "subjects_fingerprint",
]
