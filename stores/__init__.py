"""Store integrations: orders from CSV imports, Shopify, WooCommerce and Magento."""
