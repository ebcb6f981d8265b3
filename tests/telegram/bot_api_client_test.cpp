#define BOOST_TEST_MODULE bot_api_client
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(stub) {}
