"""All user settings in one place; defaults work unconfigured and RSO_* env vars override."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent  # shipped rulesets, catalogue, rubric, scales
SHIPPED_CASES_DIR = REPO_ROOT / "training_cases"


class Settings(BaseSettings):
    """Workbook settings (environment variables prefixed `RSO_`, e.g. `RSO_DATA_DIR`)."""

    model_config = SettingsConfigDict(env_prefix="RSO_", extra="ignore")

    data_dir: Path = Field(default=Path.home() / ".rso-workbook",
                           description="where drafts, practice attempts and the database live")
    database_url: str | None = Field(default=None,
                                     description="SQLAlchemy URL; default SQLite in data_dir")
    sqlite_writer_queue: bool = Field(
        default=True, description="SQLite writers queue on an OS lock beside the database "
        "(store/writer_queue.py); turn off only where flock does not work, e.g. a network "
        "filesystem")
    rm2000_ruleset: Path | None = Field(default=None,
                                        description="RM2000 ruleset YAML; default: shipped edition")
    arms_catalogue: Path | None = Field(default=None,
                                        description="ARMS catalogue YAML; default: training")
    plan_rubric: Path | None = Field(default=None,
                                     description="plan-quality rubric YAML; default: shipped")
    workbooks_dir: Path = Field(default=REPO_ROOT / "workbooks")
    training_cases_dir: Path = Field(default=SHIPPED_CASES_DIR)
    local_cases_dir: Path | None = Field(
        default=None, description="trainers' own cases, written by the case editor and offered "
        "beside the training cases (default: <data_dir>/cases)")
    allowed_data_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="further folders from which rulesets, catalogues, "
        "rubrics, scales, lists and training cases may be read (a JSON list, or folders "
        "separated by ':'); always allowed: the shipped data, the shipped training cases and "
        "data_dir")
    host: str = "127.0.0.1"
    port: int = Field(default=8866, ge=1, le=65535)
    kernel_cull_idle_seconds: int = Field(default=600, ge=60)
    execute_timeout_seconds: int = Field(default=120, ge=10)
    preheat_kernels: bool | None = Field(
        default=None, description="serve: keep kernels ready for the entry notebooks "
        "(default: as rso_widgets/serving/voila.json says; off saves their memory)")
    preload_memory_mib: int = Field(
        default=4096, ge=0, description="serve: memory for preheated kernels waiting in the "
        "pools (all pages together); a room's pool grows no further than this allows")
    preload_kernel_mib: int = Field(
        default=110, ge=10, description="serve: memory of one preheated kernel, assumed until "
        "one has been measured (RSS)")
    preload_at_once: int | None = Field(
        default=None, ge=1, description="serve: kernels started for the pools at the same "
        "time (default: half the CPU cores, at least 1)")
    preload_check_seconds: float = Field(
        default=15, ge=1, description="serve: how often the open workshops' expected sizes are "
        "read to size the trainee page's pool")
    user: str | None = Field(default=None, description="explicit user identity for the audit log")
    display_name: str | None = Field(
        default=None, description="the name pages show for the user (default: the roles "
        "file's [names], else the account's full name)")
    roles_file: Path | None = Field(
        default=None, description="who has which role (TOML); default <data_dir>/roles.toml; "
        "none: a single-user install (see rso_widgets/store/policy.py)")
    retention_days: int = Field(default=365, ge=1, le=36_500,
                                description="`rso-workbook retention`: records idle this long")
    observation_scale: Path | None = Field(
        default=None, description="observation-of-practice scale YAML; default: shipped")
    supervision_lists: Path | None = Field(
        default=None, description="agenda topics / diary prompts YAML; default: shipped")
    signposts: Path | None = Field(
        default=None, description="where to find support, shown with wellbeing check-ins "
        "(YAML, see rulesets/signposts.yaml): a force's own services; default: shipped")
    supervision_frequency_days: int = Field(
        default=42, ge=1, description="how often each assessor should have formal supervision")
    team_min_group: int = Field(
        default=3, ge=1, description="team view: anonymised figures are withheld when fewer "
        "people than this contribute to them")
    team_window_days: int = Field(default=365, ge=1,
                                  description="team view: how far back to look")
    certification_valid_days: int = Field(
        default=365, ge=1, le=3650, description="local policy: how long a calibration lasts "
        "before a re-test (days from the day the thresholds were last met)")
    certification_due_days: int = Field(
        default=60, ge=0, le=3650, description="local policy: a re-test is due this many "
        "days before a calibration's validity ends")
    retest_pack_size: int = Field(default=5, ge=1, le=50,
                                  description="cases in a re-test pack (unseen cases only)")
    team_admins: list[str] = Field(
        default_factory=list, description="users who may create teams (empty: anyone may)")

    @field_validator("allowed_data_dirs", mode="before")
    @classmethod
    def _folder_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part for part in text.split(os.pathsep) if part.strip()]
        return value

    def local_cases(self) -> Path:
        """The folder trainers' own cases are saved in and read from."""
        return Path(self.local_cases_dir or Path(self.data_dir) / "cases").expanduser()

    def allowed_folders(self) -> list[Path]:
        """Folders data files may be read from, resolved (symlinks and `..` followed)."""
        folders = [PACKAGE_DIR, SHIPPED_CASES_DIR, self.data_dir, self.local_cases(),
                   *self.allowed_data_dirs]
        return list(dict.fromkeys(Path(f).expanduser().resolve() for f in folders))


class PathNotAllowed(ValueError):
    """A data file path outside `Settings.allowed_folders()`; the message names the setting."""


def allowed_path(path: str | os.PathLike[str], what: str, setting: str | None = None) -> Path:
    """`path` resolved (symlinks and `..` followed) if it lies inside an allowed folder, else
    PathNotAllowed naming `what`, the setting that chose it and the allowed folders."""
    given = Path(path).expanduser()
    real = given.resolve()
    folders = get_settings().allowed_folders()
    if any(real == f or real.is_relative_to(f) for f in folders):
        return real
    via = f" (setting {setting}, or a path given directly)" if setting else ""
    shown = f"{given} (really {real})" if Path(os.path.abspath(given)) != real else str(given)
    raise PathNotAllowed(
        f"{what}{via}: {shown} is outside the folders data files may be read from: "
        f"{', '.join(map(str, folders))} — fix: move the file into one of these folders, or "
        "add its folder to RSO_ALLOWED_DATA_DIRS")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
