"""The partner network: warm referral between organisations (plain Python and SQL).

* :mod:`jmd.partners.referrals`: referrals in the database (draft → asked → answered,
  the partner's claim, the counts for the partner figures).
* :mod:`jmd.partners.cards`: what the person and the counselors read about a referral.

Joint appointments are :mod:`jmd.booking.joint`; the Telegram side is :mod:`bot.partners`.
"""
