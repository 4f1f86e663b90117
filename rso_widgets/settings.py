"""All user settings in one place; defaults work unconfigured and RSO_* env vars override."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Workbook settings (environment variables prefixed `RSO_`, e.g. `RSO_DATA_DIR`)."""

    model_config = SettingsConfigDict(env_prefix="RSO_", extra="ignore")

    data_dir: Path = Field(default=Path.home() / ".rso-workbook",
                           description="where drafts, practice attempts and the database live")
    database_url: str | None = Field(default=None,
                                     description="SQLAlchemy URL; default SQLite in data_dir")
    rm2000_ruleset: Path | None = Field(default=None,
                                        description="RM2000 ruleset YAML; default: shipped edition")
    arms_catalogue: Path | None = Field(default=None,
                                        description="ARMS catalogue YAML; default: training")
    plan_rubric: Path | None = Field(default=None,
                                     description="plan-quality rubric YAML; default: shipped")
    workbooks_dir: Path = Field(default=REPO_ROOT / "workbooks")
    training_cases_dir: Path = Field(default=REPO_ROOT / "training_cases")
    host: str = "127.0.0.1"
    port: int = Field(default=8866, ge=1, le=65535)
    kernel_cull_idle_seconds: int = Field(default=600, ge=60)
    execute_timeout_seconds: int = Field(default=120, ge=10)
    user: str | None = Field(default=None, description="explicit user identity for the audit log")
    retention_days: int = Field(default=365, ge=1,
                                description="`rso-workbook retention`: records idle this long")
    observation_scale: Path | None = Field(
        default=None, description="observation-of-practice scale YAML; default: shipped")
    supervision_lists: Path | None = Field(
        default=None, description="agenda topics / diary prompts YAML; default: shipped")
    supervision_frequency_days: int = Field(
        default=42, ge=1, description="how often each assessor should have formal supervision")
    team_min_group: int = Field(
        default=3, ge=1, description="team view: anonymised figures are withheld when fewer "
        "people than this contribute to them")
    team_window_days: int = Field(default=365, ge=1,
                                  description="team view: how far back to look")
    team_admins: list[str] = Field(
        default_factory=list, description="users who may create teams (empty: anyone may)")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
