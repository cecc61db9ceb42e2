"""A second module mounting its own router at another prefix."""

from snasio import Router, include_router

shop = Router(prefix="/shop")


@shop.route("/items/<int:item_id>")
def item(item_id: int):
    return {"item": item_id}


include_router(shop)
