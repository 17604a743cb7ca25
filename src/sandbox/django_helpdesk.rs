//! django-helpdesk simulator (being written).
