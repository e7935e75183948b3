"""Adapters to the returns platforms a merchant may already run (AfterShip Returns, Loop Returns).

Each implements `bot.platforms.ReturnsPlatform` over httpx; `integrations.runner` builds the ones
the settings turn on and syncs them once (`returnbot platforms sync`) or forever (a gateway task).
See docs/platforms.md.
"""
