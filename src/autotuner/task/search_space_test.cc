#include "autotuner/task/search_space.h"

#include <gtest/gtest.h>
