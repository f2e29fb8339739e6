"""read_series remembers a checked file while it is unchanged, and only then."""

from __future__ import annotations

import pytest

from simulator.config import ConfigError
from simulator.inputs.series import Bounds, read_series

ROWS = "time,t_c\n2019-01-01T00:00,1.5\n2019-01-01T01:00,2.5\n"


def test_an_unchanged_file_gives_equal_frames_that_do_not_share_data(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(ROWS)
    first = read_series(path, "time", ["t_c"], "weather")
    first.iloc[0, 0] = 99.0  # a caller changing its frame changes nobody else's
    second = read_series(path, "time", ["t_c"], "weather")
    assert second["t_c"].tolist() == [1.5, 2.5]


def test_a_file_rewritten_in_place_is_read_again(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(ROWS)
    assert read_series(path, "time", ["t_c"], "weather")["t_c"].tolist() == [1.5, 2.5]
    path.write_text(ROWS.replace("2.5", "3.5"))  # same size
    assert read_series(path, "time", ["t_c"], "weather")["t_c"].tolist() == [1.5, 3.5]
    path.write_text(ROWS.replace("2.5", "x.5"))
    with pytest.raises(ConfigError, match="not a number"):
        read_series(path, "time", ["t_c"], "weather")


def test_stricter_bounds_are_checked_on_a_file_read_before(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(ROWS)
    read_series(path, "time", ["t_c"], "weather", Bounds(-50.0, 50.0, "air"))
    with pytest.raises(ConfigError, match="outside"):
        read_series(path, "time", ["t_c"], "weather", Bounds(-50.0, 2.0, "air"))
