"""Coordination of many workers through Redis (extra ``redis``); see ``procore_dc.redis``."""
