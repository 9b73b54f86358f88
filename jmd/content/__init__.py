"""Editor-maintained content: FAQ topics (nlu/data/faq/*.yml) and office data."""
