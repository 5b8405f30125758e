from webapp.accounts.roles import RANK, role_of


def role(request):
    current = role_of(request.user)
    rank = RANK[current] if current else -1
    return {"role": current, "can": {name: rank >= r for name, r in RANK.items()}}
