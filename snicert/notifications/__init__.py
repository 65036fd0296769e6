"""Notifications: the message catalog, the delivery lifecycle and the channels.
The rules (who is told, the outbox, delivery) are in snicert.services.notifications."""
