// The marketplace (/api/marketplace): sellers, products with their stock, the cart and orders,
// one route file per resource, mounted here as one group.
import { createRouter } from '../../openapi'
import { marketplaceCart } from './cart'
import { marketplaceOrders } from './orders'
import { marketplaceProducts } from './products'
import { marketplaceSellers } from './sellers'

export const marketplace = createRouter()
marketplace.route('/', marketplaceSellers)
marketplace.route('/', marketplaceProducts)
marketplace.route('/', marketplaceCart)
marketplace.route('/', marketplaceOrders)
