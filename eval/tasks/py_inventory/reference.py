class InsufficientStock(ValueError):
    """More was asked for than is in stock."""

    def __init__(self, sku, requested, available):
        super().__init__(f"{sku}: requested {requested}, only {available} in stock")
        self.sku = sku
        self.requested = requested
        self.available = available


def _check_qty(qty):
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise ValueError(f"quantity must be a positive whole number, got {qty!r}")


class Inventory:
    """Quantities in stock per sku."""

    def __init__(self):
        self._stock = {}

    def add(self, sku, qty):
        _check_qty(qty)
        self._stock[sku] = self._stock.get(sku, 0) + qty

    def remove(self, sku, qty):
        _check_qty(qty)
        have = self._stock.get(sku, 0)
        if qty > have:
            raise InsufficientStock(sku, qty, have)
        if qty == have:
            del self._stock[sku]
        else:
            self._stock[sku] = have - qty

    def count(self, sku):
        return self._stock.get(sku, 0)

    def skus(self):
        return sorted(self._stock)

    def low_stock(self, threshold):
        return sorted(
            ((s, c) for s, c in self._stock.items() if c <= threshold),
            key=lambda pair: (pair[1], pair[0]),
        )
