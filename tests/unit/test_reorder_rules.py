"""The automatic reorder's rules: when a product is below its point, how much to order."""

from decimal import Decimal as D

from stockroom.domain.reorder import below_reorder_point, order_quantity


def test_below_means_strictly_below_and_zero_is_off() -> None:
    assert below_reorder_point(D(5), D(4), D(10))
    assert not below_reorder_point(D(6), D(4), D(10))  # at the point: not below
    assert not below_reorder_point(D(0), D(0), D(0))  # no reorder point: never


def test_the_quantity_is_rounded_up_to_whole_packs_after_the_minimum() -> None:
    assert order_quantity(D(25), D(3), D(12), None) == D(36)
    assert order_quantity(D(24), D(3), D(12), None) == D(24)
    assert order_quantity(D(25), D(3), None, D(30)) == D(30)
    assert order_quantity(D(25), D(3), D(12), D(40)) == D(48)
    assert order_quantity(D("2.5"), D(0), D("0.75"), None) == D("3.00")


def test_no_reorder_quantity_orders_the_shortfall() -> None:
    assert order_quantity(D(0), D(7), None, None) == D(7)
    assert order_quantity(D(0), D(7), D(5), None) == D(10)
