from assessments.charts import BAR_WIDTH, level_bar_chart

LEVELS = [(1, "Basic"), (2, "Intermediate"), (3, "Advanced")]


def test_bar_length_is_proportional_to_level():
    chart = level_bar_chart(
        [
            ("4.1 Devices", 0, "Not assessed"),
            ("4.2 Data", 2, "Intermediate"),
            ("4.3 Health", 3, "Advanced"),
        ],
        LEVELS,
    )
    assert [bar.width for bar in chart.bars] == [0, BAR_WIDTH * 2 // 3, BAR_WIDTH]
    assert [tick.label for tick in chart.ticks] == ["Basic", "Intermediate", "Advanced"]
    ys = [bar.y for bar in chart.bars]
    assert ys == sorted(ys) and len(set(ys)) == 3
    assert chart.height > ys[-1]


def test_long_labels_are_shortened():
    chart = level_bar_chart([("x" * 80, 1, "Basic")], LEVELS)
    assert len(chart.bars[0].label) <= 34
