"""Use cases: each public function runs one transaction on the session it is given."""
