"""`qotd bench`: explain and grading quality against baselines, and speed at scale."""
