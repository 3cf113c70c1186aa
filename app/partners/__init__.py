"""Partner organisations (NGOs, certification bodies, community associations)."""
