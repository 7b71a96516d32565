from assessments.charts import level_bar_chart

LEVELS = [(1, "Level one"), (2, "Level two"), (3, "Level three")]


def test_bar_length_is_proportional_to_level():
    chart = level_bar_chart(
        [
            ("4.1 Devices", 0, "not assessed"),
            ("4.2 Data", 2, "Level two"),
            ("4.3 Health", 3, "Level three"),
        ],
        LEVELS,
    )
    assert [bar.percent for bar in chart.bars] == [0, 67, 100]
    assert chart.levels == ["Level one", "Level two", "Level three"]


def test_any_number_of_levels_and_whole_labels():
    eight = [(rank, f"L{rank}") for rank in range(1, 9)]
    label = "4.2 " + "ការការពារទិន្នន័យផ្ទាល់ខ្លួន " * 4
    chart = level_bar_chart([(label, 3, "L3"), ("x", 8, "L8")], eight)
    assert [bar.percent for bar in chart.bars] == [38, 100]
    assert chart.bars[0].label == label  # wrapped by the page, never cut
    assert len(chart.levels) == 8
