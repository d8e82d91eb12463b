"""Exports shop owners have, recognised from their headers (Google Contacts, Outlook, Shopify,
Square, Wix, WooCommerce, Mailchimp, Stripe, PayPal) and vCard files.

:mod:`.contacts` lists the customer exports, :mod:`.orders` the purchase exports (each read
into an :class:`~relationkit.formats.orders.OrderRecord` first), :mod:`.vcard` reads vCard
files; :mod:`.layout` is what they share: how a format claims a file and names its columns.
See docs/imports.md.
"""
