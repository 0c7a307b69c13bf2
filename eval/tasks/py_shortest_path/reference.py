import heapq
import itertools


def shortest_path(graph, start, goal):
    """Dijkstra: (cost, path) from start to goal, or None."""
    for edges in graph.values():
        for weight in edges.values():
            if weight < 0:
                raise ValueError("negative edge weight")
    counter = itertools.count()
    queue = [(0, next(counter), start)]
    best = {start: 0}
    previous = {}
    done = set()
    while queue:
        cost, _, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        if node == goal:
            path = [node]
            while path[-1] != start:
                path.append(previous[path[-1]])
            return cost, path[::-1]
        for neighbour, weight in graph.get(node, {}).items():
            candidate = cost + weight
            if neighbour not in best or candidate < best[neighbour]:
                best[neighbour] = candidate
                previous[neighbour] = node
                heapq.heappush(queue, (candidate, next(counter), neighbour))
    return None


def reachable(graph, start):
    """Every node reachable from start, start included."""
    seen = {start}
    stack = [start]
    while stack:
        for neighbour in graph.get(stack.pop(), {}):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen
